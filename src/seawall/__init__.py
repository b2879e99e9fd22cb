"""Seawall: hands-off, safe serverless deployments for AWS CDK."""

__version__ = "0.1.0"

__all__ = ["__version__"]

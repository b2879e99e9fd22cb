"""CodeDeploy traffic hooks (BeforeAllowTraffic / AfterAllowTraffic) shipped as a Lambda asset.

This directory is the asset: its modules are top-level modules in the Lambda
(handler ``traffic_hook.handler``) and import only the standard library,
boto3 and Powertools; nothing from ``aws_cdk`` or the rest of ``seawall``.
"""

__all__: list[str] = []

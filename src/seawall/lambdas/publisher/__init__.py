"""The version publisher shipped as a Lambda asset; nothing here is public API."""

__all__: list[str] = []

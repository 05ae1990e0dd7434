"""The HTTP face of the service: a FastAPI app built from one ApiSettings object."""

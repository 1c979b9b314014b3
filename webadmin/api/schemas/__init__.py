"""The API's request and response bodies as Pydantic models, one module per subject.

They are the single source of the OpenAPI document (webadmin.api.openapi): the same model
validates a request (or shapes a response) and describes it there, so the two cannot drift."""

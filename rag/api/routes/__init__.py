"""The API's routers, one module per job; ``rag.api.app.create_app`` includes them."""

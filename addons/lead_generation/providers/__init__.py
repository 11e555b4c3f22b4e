"""Lead providers: ``local`` (the dataset in the database) and ``remote`` (JSON-RPC)."""

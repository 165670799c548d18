"""JupyterHub glue: the authenticator, the spawner, roles and groups, and the hub's config."""

"""The fleet runtime: device hosts, the control API, event forwarding and the service."""

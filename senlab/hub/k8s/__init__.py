"""SenLab on Kubernetes (Zero to JupyterHub): the hub's configuration and the files' check.

``config`` is what the chart's hub runs (``hub.extraConfig`` in ``hub_config/k8s/values.yaml``
calls ``senlab.hub.k8s.config.configure``); ``check`` validates the values, the manifests
beside them and the Dockerfiles without a cluster. The manifests themselves stay in
``hub_config/k8s/``; the grading Jobs are started by ``senlab.grading.k8s``.
"""

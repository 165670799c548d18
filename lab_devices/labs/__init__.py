"""Labs as data: the ``lab.yaml`` model (devices, faults, checks) and the checks' evaluation.

``route_plot`` runs a 5G lab's devices offline and draws the docs' pictures of them.
"""

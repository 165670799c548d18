"""Labs as data: the ``lab.yaml`` model (devices, faults, checks) and the checks' evaluation."""

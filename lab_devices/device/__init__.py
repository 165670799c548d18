"""The device core: the ``Device`` base class, commands, faults, evidence, physics; no I/O."""

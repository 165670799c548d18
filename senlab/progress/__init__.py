"""The progress service: who learned what, measured against the province's targets.

A FastAPI app (``senlab.progress.app.create_app(settings)``) run by JupyterHub as the
hub-managed service ``progress`` under ``/services/progress/``. It keeps parks,
enterprises, trainees, courses, grades, lab check results, completions and certificates,
fed by an idempotent event log, and computes the plan's training indicators from them.
"""

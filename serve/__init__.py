"""HTTP serving of an export: FastAPI + uvicorn (python -m serve), or Ray Serve replicas
(python -m serve.ray). The app is built around a small engine interface (serve/engine.py),
by default runtime.Scheduler's step-level batching. See serve/README.md."""

"""How the workflow's jobs run: logs, pause points, atomic files, optional imports, the guard, deployment."""

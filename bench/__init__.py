"""Benchmarks: `python -m bench` starts a Vigil server per database, loads it and prints a table.

Benchmarks print figures; they are never tests and never assert timings.

- `databases.py`: a fresh SQLite file or PostgreSQL database, removed afterwards.
- `server.py`: migrate, create an organization, run `vigil serve [--workers N]`, read the CPU and
  memory of its process tree.
- `history.py`: a million incidents with their timelines, written straight into the database.
- `statuspage.py`: a public status page with 50 components and 1,000 past windows, likewise.
- `clients.py`: the HTTP/1.1 clients the load generator drives (a raw asyncio one and httpx).
- `load.py`: the closed-loop load generator (N workers, warm-up, then a measured window).
- `scenarios.py`: what is measured (groups `users`, `ingest`, `statuspage`, `reporting`;
  `--scenarios ingest`);
  add a `Scenario` there for a new benchmark.
- `report.py`: the final table.
- `paging.py` (`python -m bench.paging`): alert to first e-mail, and `oncall/current`.
- `windows.py` (`python -m bench.windows`): how late the engine starts and ends windows.
"""

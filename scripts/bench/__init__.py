"""`make bench` (python -m scripts.bench): the site's speed, as ratios measured the same way every time.

plan.py       the modes, the scenarios and the targets (the one table of what must hold)
__main__.py   the command line and the order of things
databases.py  the benchmark's own databases (cip_bench_*), kept between runs; fallback_data.py when the
              project has no generate_demo_data
fixtures.py   the coordinator, the long and short histories, the export's range, the surname searched
servers.py    gunicorn with production settings (battery's helpers), Redis, the workers' memory
setup.py      servers, sign-ins, addresses, bodies and queries per request, before the first round
runner.py     the rounds: each scenario between two baselines on its own server
load.py       wrk (bench.lua) and the few requests that set a run up; the CSV export's stopwatch
queries.py    SQL queries per request, in-process
stats.py      wrk's numbers read back, summaries, targets checked (pure)
report.py     the machine, the Markdown and JSON report
"""

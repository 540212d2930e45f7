"""Instructions each export executes, against the floors', counted by valgrind.

    DEBUG=1 .venv/bin/python bench/instructions.py \
        postgres://postgres@127.0.0.1:5432/ct_bench_100000

Time on a shared virtual machine moves by a third from one minute to the next (the
floor alone took 1.0 to 1.6 s at 1M claims within one hour here), so a change worth
ten percent can hide in run.py's ratios. The instructions a statement executes do
not move: callgrind counts the same total for the same statement on the same data,
whatever else the machine does. This counts them for the floor (`COPY claims_claim`,
CSV), the JSON floor (its rows by `row_to_json`) and each export's own statement
(claims.exports.copy_statement), each run by a single-user PostgreSQL under
`valgrind --tool=callgrind`, with the export's settings, on a copy of the database in
a scratch cluster; less the count for `SELECT 1` (starting the server).

Instructions are not time: the export's lookups miss the processor's caches more
than the floor's sequential scan, so its time ratio runs higher (bench/README.md).
Needs Debian's valgrind and the PostgreSQL server binaries (`pg_config --bindir`);
run as root, the scratch cluster runs as the user postgres. 100,000 claims take about
ten minutes.
"""

# ruff: noqa: S603, S607 (it runs PostgreSQL's tools and valgrind, found on PATH, on
# a database its user names)

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from run import FORMATS, JSON_FORMATS

BIN = Path(subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip())
AS_POSTGRES = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
FLOORS = {
    "floor": "COPY claims_claim TO STDOUT WITH (FORMAT csv)",
    "JSON floor": "COPY (SELECT row_to_json(c) FROM claims_claim AS c) TO STDOUT {framing}",
}


def scratch_copy(source_url: str, scratch: Path) -> Path:
    """A stopped cluster in `scratch` holding a copy of the source database as `bench`."""
    data, port = scratch / "data", "5499"
    run = [*AS_POSTGRES, str(BIN / "pg_ctl"), "-D", str(data), "-w", "-l", str(scratch / "log")]
    subprocess.run(
        [*AS_POSTGRES, BIN / "initdb", "-D", data, "-A", "trust", "-U", "postgres"],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {scratch} -c listen_addresses=''"
    subprocess.run([*run, "-o", options, "start"], check=True, capture_output=True)
    try:
        local = ["-h", str(scratch), "-p", port, "-U", "postgres"]
        subprocess.run(["createdb", *local, "bench"], check=True)
        dump = subprocess.Popen(["pg_dump", "--no-owner", source_url], stdout=subprocess.PIPE)
        subprocess.run(
            ["psql", *local, "-q", "-v", "ON_ERROR_STOP=1", "-d", "bench"],
            stdin=dump.stdout,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        subprocess.run(["psql", *local, "-q", "-d", "bench", "-c", "VACUUM ANALYZE"], check=True)
    finally:
        subprocess.run([*run, "stop"], check=True, capture_output=True)
    return data


def instructions(data: Path, settings: str, statement: str) -> int:
    """What a single-user server executes for `statement`, from start to exit."""
    script = f"{settings};\n\n{statement};\n\n"  # -j: a statement ends at ";" and a blank line
    done = subprocess.run(
        [
            *AS_POSTGRES,
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            BIN / "postgres",
            "--single",
            "-j",
            "-D",
            data,
            "bench",
        ],
        input=script,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(re.search(r"Collected : (\d+)", done.stderr).group(1))  # type: ignore[union-attr]


def main() -> None:
    source_url = sys.argv[1]
    os.environ["DATABASE_URL"] = source_url
    import django

    django.setup()
    from claims import exports
    from claims.models import Claim

    statements = {name: s.format(framing=exports.ONE_JSON_PER_LINE) for name, s in FLOORS.items()}
    for fmt in FORMATS:
        statements[f".{fmt}"] = exports.copy_statement(Claim.objects.all(), fmt, "http://x")
    # The export's own settings (snapshot) and its connection's (config/settings.py).
    settings = (
        f"SET work_mem = '{exports.EXPORT_WORK_MEM}'; SET TimeZone = 'UTC';"
        " SET jit = off; SET max_parallel_workers_per_gather = 0"
    )
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        if AS_POSTGRES:
            shutil.chown(scratch, user="postgres")
        data = scratch_copy(source_url, scratch)
        start = instructions(data, settings, "SELECT 1")
        counts = {
            name: instructions(data, settings, s.replace("TO STDOUT", "TO '/dev/null'")) - start
            for name, s in statements.items()
        }
    print(f"### {urlsplit(source_url).path.lstrip('/')}: instructions executed\n")
    print("| statement | instructions | × floor | × JSON floor |\n| --- | --- | --- | --- |")
    for name, count in counts.items():
        json_ratio = f"{count / counts['JSON floor']:.2f}×" if name[1:] in JSON_FORMATS else ""
        print(f"| {name} | {count / 1e6:,.0f} M | {count / counts['floor']:.2f}× | {json_ratio} |")


if __name__ == "__main__":
    main()

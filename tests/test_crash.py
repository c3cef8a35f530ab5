"""Issue 12's proof: ``sfclean run`` against a local org served from ANOTHER process (``sfclean
localorg serve --db``), killed with SIGKILL at points spread over the run (while posting,
while collecting, while writing the outputs; before, inside and after a journal write), each
kill followed by a rerun of the same command. After every cycle:

- no email is twice in the org (nothing was inserted twice);
- every input row is in exactly one of rejected / excluded / loaded / failed, and the report's
  conservation check agrees;
- no row the run inserted itself is reported as ``exists-in-org`` (excluded.csv is empty: no
  input email was in the org before), and loaded.csv holds exactly the org's records of the
  input, with their Ids;
- no temporary file of the killed run is left in ``--out``.

The default run has a few cycles (CYCLES); ``-m slow`` runs every journal write of every API
in every mode, and every output file (CYCLES_SLOW).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

import sfclean

HERE = Path(__file__).resolve().parent
ROWS = 60  # Bulk: 6 batches of 10 rows; REST: one call of 60
_TAGS = itertools.count()


@dataclass(frozen=True)
class Served:
    instance_url: str
    access_token: str
    ca_bundle: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A local org in a process of its own, its data in a SQLite file."""
    db = tmp_path_factory.mktemp("crash-org") / "org.db"
    serve = ["localorg", "serve", "--db", str(db)]
    proc = subprocess.Popen(
        [sys.executable, "-c", "from sfclean.cli import main; main()", *serve],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    seen: dict[str, str] = {}
    for line in proc.stdout:
        if m := re.match(r"localorg serving (\S+)", line):
            seen["url"] = m.group(1)
        elif m := re.match(r"\s+(access token|CA bundle):\s+(\S+)", line):
            seen[m.group(1)] = m.group(2)
        if line.startswith("Press Ctrl-C"):
            break
    try:
        yield Served(seen["url"], seen["access token"], seen["CA bundle"])
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)


def crashrun(served: Served, source: Path, out: Path, api: str, where: str) -> tuple[int, str]:
    command = [sys.executable, str(HERE / "crashrun.py"), served.instance_url]
    command += [served.access_token, served.ca_bundle, str(source), str(out), api, where]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    return done.returncode, done.stdout + done.stderr


def check_cycle(served: Served, source: Path, out: Path, prefix: str) -> None:
    conn = sfclean.connect(
        instance_url=served.instance_url,
        access_token=served.access_token,
        ca_bundle=served.ca_bundle,
    )
    records = list(conn.query_all_iter("SELECT Id, Email FROM Lead"))
    emails = [str(r["Email"]).lower() for r in records]
    assert len(emails) == len(set(emails)), "an email is twice in the org"
    mine = {str(r["Email"]).lower(): str(r["Id"]) for r in records}
    mine = {e: i for e, i in mine.items() if e.startswith(prefix)}
    files = {
        name: pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False)
        for name in ("rejected", "excluded", "loaded", "failed")
    }
    rows = sorted(int(r) for frame in files.values() for r in frame["sfclean_row"])
    assert rows == list(range(2, ROWS + 2)), "a row is missing or in two outputs"
    assert json.loads((out / "report.json").read_text())["conservation"]["ok"] is True
    assert files["excluded"].empty, "the run's own records came back as exists-in-org"
    loaded = files["loaded"]
    assert dict(zip(loaded["Email"].str.lower(), loaded["Id"], strict=True)) == mine
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]


def cycle(served: Served, tmp_path: Path, api: str, where: str, *, must_kill: bool) -> None:
    prefix = f"crash{next(_TAGS)}.{os.getpid()}."
    rows = [
        {"LastName": f"L{i}", "Company": "Co", "Email": f"{prefix}{i}@example.com"}
        for i in range(ROWS)
    ]
    source, out = tmp_path / f"{prefix}csv", tmp_path / f"out-{prefix}"
    pd.DataFrame(rows).to_csv(source, index=False)
    code, said = crashrun(served, source, out, api, where)
    # the slow campaign also names points past the end of a run: then it simply finishes
    assert code == -signal.SIGKILL or (code == 0 and not must_kill), (code, said)
    code, said = crashrun(served, source, out, api, "none")
    if code == 3:  # killed after report.json: the outputs were complete, the rerun refuses
        assert "holds a finished run" in said, said
    else:
        assert code == 0, said
    check_cycle(served, source, out, prefix)


# (api, where): spread over the run. Bulk 1.0 journal writes for 60 rows in 6 batches:
# 1 the new journal and its job, 2-13 posting / posted per batch, 14 closed, 15-20 collected,
# 21 completed. Bulk 2.0: 3 per job (job, posted, closed) for 6 jobs, then 6 collected.
# REST (one call): 1 journal + job, 2 posted (before the call), 3 collected, 4 closed.
CYCLES = [
    ("bulk", "journal:3:before"),  # a batch posted, its id never journaled
    ("bulk", "journal:8:torn"),  # half a line: the posting of batch 4
    ("bulk", "journal:17:before"),  # during the collection
    ("bulk", "output:4"),  # while writing the outputs
    ("bulk", "journal:21:before"),  # report.json written, the journal not completed
    ("bulk2", "journal:5:before"),  # a job uploaded, not journaled
    ("rest", "journal:3:before"),  # the call answered, its outcomes never journaled
]
CYCLES_SLOW = [
    *[("bulk", f"journal:{n}:{m}") for n in range(1, 22) for m in ("before", "torn", "after")],
    *[("bulk2", f"journal:{n}:{m}") for n in range(1, 26) for m in ("before", "torn")],
    *[("rest", f"journal:{n}:{m}") for n in range(1, 6) for m in ("before", "torn", "after")],
    *[(api, f"output:{n}") for api in ("bulk", "rest") for n in range(1, 8)],
]


@pytest.mark.parametrize(("api", "where"), CYCLES)
def test_a_killed_run_then_a_rerun_loses_nothing_and_inserts_nothing_twice(
    served: Served, tmp_path: Path, api: str, where: str
) -> None:
    cycle(served, tmp_path, api, where, must_kill=True)


@pytest.mark.slow
@pytest.mark.parametrize(("api", "where"), CYCLES_SLOW)
def test_killed_anywhere_slow(served: Served, tmp_path: Path, api: str, where: str) -> None:
    cycle(served, tmp_path, api, where, must_kill=False)

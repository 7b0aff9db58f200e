"""The charts' formatters (kam/core/static/kam/charts.js) round like the pages and exports:
half up at the value's shortest decimal spelling. Runs the script in Node when it is there."""

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from kam.core.money import percent_points, round_half_up

CHARTS = Path(__file__).resolve().parents[1] / "static" / "kam" / "charts.js"
NODE = shutil.which("node")
HARNESS = """
global.window = {kam: {escapeHtml: String}, addEventListener() {}};
global.document = {documentElement: {lang: "de"}, currentScript: {dataset: {}},
                   addEventListener() {}, querySelectorAll() { return []; }};
require(process.argv[1]);
const values = JSON.parse(process.argv[2]);
const n = window.kam.numbers;
console.log(JSON.stringify({
  rounded: values.map((v) => n.roundHalfUp(v, 2)),
  percent: values.map((v) => n.percent(v, 1)),
  axis: [0, 0.2, 0.4, 0.6, 0.8, 1].map((v) => n.percent(v, 0)),
}));
"""


@pytest.mark.once
@pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
def test_chart_numbers_round_like_the_pages():
    rng = random.Random(15)
    halves = [round(rng.uniform(-1000, 1000), 2) + 0.005 for _ in range(150)]
    values = [1.005, 2.675, -2.5, 0.1125, 11.385, *[round(v, 3) for v in halves]]

    out = subprocess.run(  # noqa: S603 (a fixed script and our own values)
        [NODE, "-e", HARNESS, str(CHARTS), json.dumps(values)],
        capture_output=True,
        text=True,
        check=True,
    )
    shown = json.loads(out.stdout)

    assert [str(round_half_up(v, 2)) for v in values] == [f"{v:.2f}" for v in shown["rounded"]]
    assert [f"{percent_points(v)} %".replace(".", ",") for v in values] == [
        p.replace(".", "").replace("\u00a0", " ") for p in shown["percent"]
    ]
    assert shown["axis"] == ["0 %", "20 %", "40 %", "60 %", "80 %", "100 %"]

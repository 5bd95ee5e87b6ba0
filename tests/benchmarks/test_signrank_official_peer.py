"""The peer driver runs the official frontier script once per dimension and reads its verdicts."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _peer_driver():
    import importlib.util

    spec = importlib.util.spec_from_file_location("signrank_official_peer",
                                                  ROOT / "benchmarks/signrank_official_peer.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_peer_driver_runs_a_stand_in_frontier_script_once_per_dim(tmp_path, capsys):
    # a stand-in for the authors' script: records its command line, reports a half-gap margin
    stand_in = tmp_path / "stand_in.py"
    stand_in.write_text(
        "import json, sys\n"
        "args = sys.argv[1:]\n"
        "d = int(args[args.index('--d') + 1])\n"
        f"open({str(tmp_path / 'calls.jsonl')!r}, 'a').write(json.dumps(args) + '\\n')\n"
        "print(f'step=1 | margin={-0.5 + 0.125 * d:.6f}')\n")
    _peer_driver().main(["frontier-peer", "--script", str(stand_in), "--n", "12", "--dims", "3-5",
                         "--steps", "7"])
    out = json.loads(capsys.readouterr().out)
    assert out["global_margin"] == {"3": -0.25, "4": 0.0, "5": 0.25}  # twice the reported half-gap
    calls = [json.loads(line) for line in (tmp_path / "calls.jsonl").read_text().splitlines()]
    assert [c[c.index("--d") + 1] for c in calls] == ["3", "4", "5"]
    for c in calls:
        assert c[c.index("--n") + 1] == "12" and c[c.index("--num_steps") + 1] == "7"
        assert c[c.index("--p") + 1] == "1.0" and c[c.index("--relative_bias") + 1] == "0"


def test_peer_driver_reads_the_official_scripts_verdicts(tmp_path, capsys):
    # a stand-in for the official script: writes the results file its search reads back
    stand_in = tmp_path / "stand_in.py"
    stand_in.write_text(
        "import json, sys\n"
        "out = [a.split('=', 1)[1] for a in sys.argv if a.startswith('--results_output_path=')][0]\n"
        "json.dump([{'parameters': {'n': 9},\n"
        "            'metrics': {'max_accuracy_observed': 1.0, 'final_accuracy': 0.9}},\n"
        "           {'parameters': {'n': 10}, 'metrics': {'last_logged_accuracy': 0.97}}], open(out, 'w'))\n")
    _peer_driver().main(["official-peer", "--script", str(stand_in)])
    out = json.loads(capsys.readouterr().out)
    assert out["returncode"] == 0
    assert out["best_accuracy"] == {"9": 1.0, "10": 0.97}

"""Serve options: a config file (mailmocks.toml or pyproject's [tool.mailmocks.serve]) fills
what no flag sets; a typo or a bad value is one line and exit 2; `make serve` installs only
the serving dependencies and passes PORT and ARGS on."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mailmocks.cli import build_parser, main
from mailmocks.serve.options import OPTIONS, OptionError, ServeOptions, resolve

ROOT = Path(__file__).resolve().parents[2]


def options(argv: list[str], cwd: Path) -> ServeOptions:
    return resolve(build_parser(vendor_verbs=False).parse_args(["serve", *argv]), cwd)


def test_defaults_without_a_config_file(tmp_path: Path) -> None:
    opts = options([], tmp_path)
    assert (opts.host, opts.port, opts.api, opts.fixtures, opts.config) == (
        "127.0.0.1", 8025, None, {}, None)
    assert (opts.log_format, opts.quiet, opts.data_dir, opts.save_every) == ("text", False,
                                                                             None, 1.0)


def test_mailmocks_toml_sets_every_option_and_flags_win(tmp_path: Path) -> None:
    (tmp_path / "mailmocks.toml").write_text(
        '[serve]\nport = 9000\napi = ["convertkit", "botamp"]\nquiet = true\n'
        'data-dir = "state"\nsave_every = 2\nlog-format = "json"\n'
        '[serve.fixtures]\nconvertkit = "fx/ck.yaml"\n')
    opts = options([], tmp_path)
    assert (opts.port, opts.api, opts.quiet, opts.log_format) == (
        9000, ["convertkit", "botamp"], True, "json")
    assert opts.data_dir == str(tmp_path / "state")  # relative to the file
    assert opts.fixtures == {"convertkit": str(tmp_path / "fx/ck.yaml")}
    assert opts.save_every == 2.0 and opts.config == str(tmp_path / "mailmocks.toml")
    flagged = options(["--port", "9100", "--api", "esputnik", "--fixtures",
                       "convertkit=other.yaml", "--log-format", "text"], tmp_path)
    assert (flagged.port, flagged.api, flagged.log_format) == (9100, ["esputnik"], "text")
    assert flagged.fixtures == {"convertkit": "other.yaml"} and flagged.quiet is True


def test_pyproject_table_and_explicit_config(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n'
                                             '[tool.mailmocks.serve]\nport = 9200\n')
    assert options([], tmp_path).port == 9200
    other = tmp_path / "elsewhere.toml"
    other.write_text("[serve]\nstrict = true\n")
    assert options(["--config", str(other)], tmp_path).strict is True
    (tmp_path / "mailmocks.toml").write_text("[serve]\nport = 9300\n")
    assert options([], tmp_path).port == 9300  # mailmocks.toml before pyproject.toml


@pytest.mark.parametrize(("text", "message"), [
    ("[serve]\nprot = 9000\n", "unknown serve option 'prot'"),
    ("[serve]\nport = \"9000\"\n", "port must be a whole number"),
    ("[serve]\nquiet = 1\n", "quiet must be true or false"),
    ("[serve]\napi = [\"convertkt\"]\n", "unknown 'convertkt'"),
    ("[serve]\nlog-format = \"xml\"\n", "log-format must be one of text, json"),
    ("[serve.fixtures]\nnope = \"x.yaml\"\n", "unknown API 'nope'"),
    ("[srv]\nport = 1\n", "unknown section 'srv'"),
    ("[serve\n", "is not valid TOML"),
])
def test_bad_config_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "mailmocks.toml").write_text(text)
    with pytest.raises(OptionError, match=message.replace("[", r"\[")):
        options([], tmp_path)


def test_bad_values_exit_2_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mailmocks.toml").write_text("[serve]\nprot = 9000\n")
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown serve option 'prot'" in err
    (tmp_path / "mailmocks.toml").unlink()
    assert main(["serve", "--save-every", "0"]) == 2
    assert main(["serve", "--port", "70000"]) == 2
    assert "not a port" in capsys.readouterr().err


def test_every_option_is_a_flag_and_documented() -> None:
    serve_help = subprocess.run([sys.executable, "-m", "mailmocks", "serve", "--help"],
                                capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert "mailmocks.toml" in serve_help
    for opt in OPTIONS:
        assert f"--{opt.name}" in serve_help


def test_make_serve_installs_only_serving_and_passes_port_and_args(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    plan = subprocess.run(["make", "-s", "-n", "-C", str(ROOT), "serve", "PORT=9000",
                           "ARGS=--api convertkit --quiet", f"VENV={venv}"],
                          capture_output=True, text=True, check=True).stdout
    assert "[test]" not in plan and "pip install -q -e ." in plan
    assert plan.splitlines()[-1].endswith("mailmocks serve --port 9000 --api convertkit --quiet")
    tests = subprocess.run(["make", "-s", "-n", "-C", str(ROOT), "lint", f"VENV={venv}"],
                           capture_output=True, text=True, check=True).stdout
    assert "-e '.[test]'" in tests

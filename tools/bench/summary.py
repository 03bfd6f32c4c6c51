#!/usr/bin/env python3
"""One Markdown table per model from `easykv bench --json-output` reports (BENCHMARKS.md's form).

Each table gives the date, commit, machine, kernel set, threads, load averages, both engines'
figures, the ratios and the targets, met or not. The baseline column is llama.cpp's figure
(`make bench-baseline`) or our own naive reference measured in the same run (`make bench`).

usage: summary.py REPORT.json...
"""
import json
import os
import sys

MIB = 1 << 20


def load(values):
    return " ".join(f"{v:.2f}" for v in values) if values else "?"


def table(report):
    name = os.path.basename(report["model"])
    lines = [
        f"### {name}: {report['parameters'] / 1e9:.2f} B parameters, {report['scale']} targets, "
        f"`easykv bench` ({report['plan']} set)",
        "",
        f"{report['date']}, commit `{report.get('commit') or '?'}`, {report['threads']} threads; "
        f"{report['machine']}; kernels `{report['kernel_set']}`. Load average (1/5/15 min): "
        + (f"{report.get('baseline_tool')} began at {load(report.get('baseline_load'))}, " if report.get("baseline_load") else "")
        + f"easykv {load(report['load_before'])} → {load(report['load_after'])}.",
        "",
    ]
    tool = report.get("baseline_tool")
    lines += ["| figure | EasyKV tok/s | baseline tok/s | ratio | baseline |", "|---|---:|---:|---:|---|"]
    for f in report["figures"]:
        base = f.get("baseline_tokens_per_second")
        ratio = f"{f['tokens_per_second'] / base:.2f}" if base else "–"
        lines.append(
            f"| {f['id']} | {f['tokens_per_second']:,.1f} | {base:,.1f} | {ratio} | {f.get('baseline_source', '–')} |"
            if base else f"| {f['id']} | {f['tokens_per_second']:,.1f} | – | – | – |")
    memory = report.get("memory")
    if memory:
        theirs = report.get("baseline_peak_bytes")
        lines += [
            "",
            f"Peak RSS of a fresh process running {memory['figure']}: **{memory['peak_bytes'] / MIB:,.1f} MiB** = "
            f"model {memory['model_bytes'] / MIB:,.1f} MiB (the whole {memory['file_bytes'] / MIB:,.1f} MiB file "
            f"resident, and the process) + KV plan {memory['kv_plan_bytes'] / MIB:,.1f} MiB + "
            f"{memory['overhead_bytes'] / MIB:,.1f} MiB"
            + (f"; {tool}: {theirs / MIB:,.1f} MiB ({memory['peak_bytes'] / theirs:.2f}×)." if theirs else "."),
        ]
    lines += ["", "| target | measured | required | met |", "|---|---:|---:|---|"]
    for t in report["targets"]:
        unit = " MiB" if t["unit"] == "MiB" else "×"
        value = f"{t['value']:,.2f}{unit}" if t.get("value") is not None else "not measured"
        bound = ("≥ " if t.get("bound", "at_least") == "at_least" else "≤ ") + f"{t['required']:g}{unit}"
        met = {True: "yes", False: "**no**"}.get(
            None if t.get("value") is None else
            (t["value"] >= t["required"] if t.get("bound", "at_least") == "at_least" else t["value"] <= t["required"]),
            "n/a")
        lines.append(f"| {t['name']} | {value} | {bound} | {met} |")
    return "\n".join(lines)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    print("\n\n".join(table(json.load(open(path))) for path in sys.argv[1:]))


if __name__ == "__main__":
    main()

"""Run `qa eval`: the service and its BM25-only and dense-only baselines on one or more question sets."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from evaluation.conversations import SETTINGS, conversation_outcomes, openers
from evaluation.metrics import (
    DIALOGUE_MODES,
    METHODS,
    STATUSES,
    LabelledQuestion,
    Report,
    dialogue_evidence,
    evidence_for,
    fit_refusal,
    load_questions,
    score,
)
from qa.cpu import describe, instruction_sets
from qa.decision import Decision
from qa.engine import Engine, load_engine
from qa.index import Index, ensure_index
from qa.settings import Settings


def run_eval(
    settings: Settings,
    questions_files: Sequence[Path],
    split: str = "all",
    sample: Path | None = None,
    limit: int | None = None,
    fit_to: Path | None = None,
) -> dict[str, Any]:
    """Every figure of one evaluation run over one or more question files, as a plain dict (what `--json` prints).

    With `fit_to`, the refusal model is refitted on these questions, saved there and used for the figures.
    """
    settings = settings.model_copy(update={"cache_size": 0})
    index = ensure_index(settings)
    loaded = [question for path in questions_files for question in load_questions(path, index.corpus, split)]
    questions = select_questions(loaded, sample, limit)
    result: dict[str, Any] = {
        "questions_file": ", ".join(str(path) for path in questions_files),
        "split": split,
        "corpus": str(settings.corpus),
        "passages": len(index.passages),
        "cpu": instruction_sets(),
        "reports": [],
    }
    if any(q.history for q in questions):
        # R@k of dialogues whose later turn the article answers; the others are counted by outcome (conversations).
        answerable = [q for q in questions if q.kind == "answerable"]
        engine = load_engine(settings, index)
        result["question_encoder"] = encoder_summary(engine)
        result["reports"], result["context_used"] = _dialogue_reports(engine, answerable)
        return result
    _method_reports(result, settings, index, questions, fit_to, questions_files)
    dialogues = questions_files[0].with_name("dialogues.jsonl")
    if dialogues.is_file() and not sample and not limit:
        result["conversation"] = _conversation(settings, index, questions_files, dialogues, split)
    return result


def _method_reports(
    result: dict[str, Any],
    settings: Settings,
    index: Index,
    questions: list[LabelledQuestion],
    fit_to: Path | None,
    questions_files: Sequence[Path],
) -> None:
    """The hybrid and each baseline method on the questions, into `result`; with `fit_to`, the refitted refusal
    model judges the hybrid's outcomes."""
    for method in METHODS:
        engine = load_engine(settings, index, method=method)
        result.setdefault("question_encoder", encoder_summary(engine))
        evidence = evidence_for(engine, questions)
        if fit_to and method == "hybrid":
            fitted = fit_refusal(questions, evidence)
            names = ", ".join(path.name for path in questions_files)
            fitted.save(fit_to, fitted_on=f"{names} split={result['split']}")
            result["refusal_model"] = {**asdict(fitted), "file": str(fit_to)}
            engine = engine.using(decision=Decision(fitted, settings.recheck_margin, settings.recheck_band))
        report = score(method, questions, evidence, engine if method == "hybrid" else None)
        result["reports"].append(report.to_dict())


def _conversation(
    settings: Settings, index: Index, questions_files: Sequence[Path], dialogues: Path, split: str
) -> dict[str, dict[str, float]]:
    """The outcomes of the question files and those beside the first, alone and after the dialogues' openers."""
    # Every held-out set of symptom questions, of ordinary messages and of feelings, however many rounds have added.
    patterns = (
        "symptoms.jsonl",
        "symptoms-holdout*.jsonl",
        "ordinary-now-holdout*.jsonl",
        "feelings.jsonl",
        "feelings-holdout*.jsonl",
        "smalltalk.jsonl",
    )
    beside = [path for pattern in patterns for path in sorted(questions_files[0].parent.glob(pattern))]
    engine = load_engine(settings, index)
    files = list(dict.fromkeys([*questions_files, *beside]))
    return conversation_outcomes(engine, files, split, openers(dialogues))


def _dialogue_reports(
    engine: Engine, questions: list[LabelledQuestion]
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """The engine on follow-up questions alone, with the history glued in front, and resolved.

    Also: per question style, the share of questions for which the resolution used an earlier turn.
    """
    reports, used_by_style = [], {}
    for mode in DIALOGUE_MODES:
        evidence, used = dialogue_evidence(engine, questions, mode)
        reports.append(score(f"hybrid {mode}", questions, evidence, engine).to_dict())
        if mode == DIALOGUE_MODES[-1]:
            styles: dict[str, list[bool]] = defaultdict(list)
            for q, turns in zip(questions, used, strict=True):
                styles[q.style].append(bool(turns))
            used_by_style = {style: round(sum(flags) / len(flags), 4) for style, flags in sorted(styles.items())}
    return reports, used_by_style


def encoder_summary(engine: Engine) -> str:
    """The question encoder, and how int8 fared against the float model at start-up when it was asked for."""
    check = engine.int8_check
    if check is None:
        return engine.encoder.name
    verdict = "passed" if check.passed else "failed, so the float model"
    return f"{engine.encoder.name} (int8 check {verdict}: {check.differing} of {check.questions} questions differ)"


def select_questions(
    questions: list[LabelledQuestion], sample: Path | None, limit: int | None = None
) -> list[LabelledQuestion]:
    """The questions whose ids the `sample` file lists (all without one), at most `limit` of them."""
    if sample:
        wanted = set(sample.read_text().split())
        questions = [q for q in questions if q.id in wanted]
    return questions[:limit] if limit else questions


def render(result: dict[str, Any], console: Console) -> None:
    """Tables for people: the methods side by side, the outcomes per kind, the hybrid's breakdown by question
    style and answer type, and where it loses."""
    reports = [Report(**r) for r in result["reports"]]
    main = Table(title=f"{result['questions_file']} (split {result['split']}, {result['passages']} passages)")
    for column in ("method", "answerable", "R@1", "R@3", "R@5", "R@10", "MRR@10"):
        main.add_column(column, justify="right")
    for r in reports:
        recall = {int(k): v for k, v in r.recall.items()}
        main.add_row(r.method, str(r.answerable), *(f"{recall[k]:.3f}" for k in (1, 3, 5, 10)), f"{r.mrr:.3f}")
    console.print(main)
    console.print(f"question encoder: {result['question_encoder']}; CPU: {describe(result['cpu'])}", style="dim")
    if "refusal_model" in result:
        console.print(f"refusal model refitted on these questions and written to {result['refusal_model']['file']}")
    if "context_used" in result:
        _render_dialogues(reports, result["context_used"], console)
        return
    hybrid = reports[0]
    _render_outcomes(hybrid, console)
    for title, groups in (("question style", hybrid.by_style), ("answer type", hybrid.by_answer_type)):
        _render_groups(f"hybrid by {title}", title, groups, console)
    _render_misses(hybrid, console)
    if "conversation" in result:
        _render_conversation(result["conversation"], console)


def _render_outcomes(hybrid: Report, console: Console) -> None:
    """The share of each outcome per kind of question, and how long the passages shown are."""
    if hybrid.outcomes:
        outcomes = Table(title="hybrid outcomes per kind of question (answered: false = related + not_found)")
        for column in ("kind", "n", *STATUSES, "answered: false"):
            outcomes.add_column(column, justify="right")
        for kind, figures in hybrid.outcomes.items():
            shares = (f"{figures[status]:.1%}" for status in STATUSES)
            outcomes.add_row(kind, str(int(figures["n"])), *shares, f"{hybrid.refusal[kind]:.1%}")
        console.print(outcomes)
        console.print(f"mean returned passage: {hybrid.mean_passage_chars} characters")
    first = hybrid.first_excerpt_chars
    if first:
        console.print(
            f"first excerpt (answerable questions): mean {first['mean']}, longest {int(first['max'])} characters"
        )


def _render_groups(title: str, name: str, groups: dict[str, dict[str, float]], console: Console) -> None:
    """R@1, R@3 and MRR@10 per group of questions (a question style, an answer type)."""
    table = Table(title=title)
    for column in (name, "n", "R@1", "R@3", "MRR@10"):
        table.add_column(column, justify="right")
    for group, figures in groups.items():
        table.add_row(group, str(int(figures["n"])), *(f"{figures[key]:.3f}" for key in ("R@1", "R@3", "MRR@10")))
    console.print(table)


def _render_misses(report: Report, console: Console) -> None:
    """Each answerable question whose right passage is not first: its rank and what came first."""
    if not report.misses:
        return
    table = Table(title=f"where the {report.method} loses: rank of the right passage (> 10: not in the first 10)")
    for column in ("style", "answer type", "rank", "question", "shown first"):
        table.add_column(column)
    for missed in report.misses:
        first = missed["first"]
        shown = "(nothing)" if first is None else f"{first['id']}: {first['text']}"
        rank = "> 10" if missed["rank"] is None else str(missed["rank"])
        table.add_row(missed["style"], missed["answer_type"], rank, missed["question"], shown)
    console.print(table)


def _render_conversation(outcomes: dict[str, dict[str, float]], console: Console) -> None:
    """Each outcome alone and after one and two earlier on-topic questions, side by side (POST /v1/ask's path)."""
    table = Table(title="outcomes alone and in conversation (after one / two on-topic questions)")
    for column in ("measure", "n", *SETTINGS):
        table.add_column(column, justify="right")
    for measure, figures in outcomes.items():
        table.add_row(measure, str(int(figures["n"])), *(f"{figures[s]:.1%}" for s in SETTINGS))
    console.print(table)


def _render_dialogues(reports: list[Report], context_used: dict[str, float], console: Console) -> None:
    """Per question style (follow-up, switch ...): the three modes side by side, and how often history was used."""
    table = Table(title="by question style: alone / concatenated / with history")
    for column in ("style", "n", "R@1", "MRR@10", "history used"):
        table.add_column(column, justify="right")
    for style, used in context_used.items():
        figures = [r.by_style[style] for r in reports]
        table.add_row(
            style,
            str(int(figures[0]["n"])),
            " / ".join(f"{f['R@1']:.3f}" for f in figures),
            " / ".join(f"{f['MRR@10']:.3f}" for f in figures),
            f"{used:.1%}",
        )
    console.print(table)
    for report in reports:
        refused = report.refusal.get("answerable")
        if refused is not None:
            console.print(f"{report.method}: answerable refused {refused:.1%}")

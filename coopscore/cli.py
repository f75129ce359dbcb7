"""Command line: `python -m coopscore <command> ...`.

Each concern registers its own sub-commands in a `_add_<concern>_commands(subparsers)`
function; a command function takes the parsed args, prints, and returns an exit code.
Every CoopscoreError is printed in French on stderr with exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from . import failures
from . import format as fmt
from . import grid as grid_module
from .errors import CoopscoreError, ScaleError
from .fsutil import write_atomic
from .i18n import t

if TYPE_CHECKING:
    from .scale import Scale

Command = Callable[[argparse.Namespace], int]


def _help(key: str, **values: object) -> str:
    """A help text for argparse, which reads « % » as a format: « 45 % » must be « 45 %% »."""
    return t(key, **values).replace("%", "%%")


class _FrenchParser(argparse.ArgumentParser):
    """argparse that reports usage errors in French and exits 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(t("cli.usage_error", detail=message) + "\n")
        raise SystemExit(2)


# --- grid ---------------------------------------------------------------------------


def _write_output(text: str, path: str | None) -> None:
    """Write a command's result to a file (UTF-8) or to standard output."""
    if path:
        write_atomic(path, text.encode("utf-8"))
    else:
        sys.stdout.write(text)


def _grid_list(args: argparse.Namespace) -> int:
    for grid_id in grid_module.available_grids():
        grid = grid_module.load_grid(grid_id)
        counts = t("cli.grid_counts", sections=len(grid.sections), criteria=len(grid.criteria()),
                   methods=len(grid.methods()))
        print(f"{grid.id}\tv{grid.version}\t{grid.short_title}\t{counts}")
    return 0


def _grid_export(args: argparse.Namespace) -> int:
    grid = grid_module.load_grid(args.grid)
    if args.lang and args.lang != grid.language:
        offered = grid_module.translation_languages(grid.id)
        if args.lang not in offered:
            raise grid_module.GridError(t("grid.unknown_language", lang=args.lang, grid=grid.id,
                                          valid=", ".join([grid.language, *offered])))
        grid = grid_module.translated(grid, args.lang)
    if args.format == "json":
        text = json.dumps(grid.to_dict(), ensure_ascii=False, indent=2) + "\n"
    else:
        buffer = io.StringIO()
        rows = grid.rows()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        # A custom grid's text may look like a formula (« =HYPERLINK(…) »): made inert.
        from .exchange import neutralise

        writer.writerows([{key: neutralise(value) for key, value in row.items()} for row in rows])
        text = buffer.getvalue()
    _write_output(text, args.output)
    return 0


def _grid_check(args: argparse.Namespace) -> int:
    grid = grid_module.load_grid(args.path)
    print(t("cli.grid_valid", file=args.path, id=grid.id, sections=len(grid.sections),
            items=len(list(grid.items()))))
    return 0


def _add_grid_commands(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("grid", help=_help("cli.help_grid"))
    grid_sub = parser.add_subparsers(dest="grid_command", required=True, parser_class=_FrenchParser)
    listing = grid_sub.add_parser("list", help=_help("cli.help_grid_list"))
    listing.set_defaults(func=_grid_list)
    export = grid_sub.add_parser("export", help=_help("cli.help_grid_export"))
    export.add_argument("grid", help=_help("cli.help_grid_id"))
    export.add_argument("--format", choices=("json", "csv"), default="json")
    export.add_argument("--output", "-o", help=_help("cli.help_output"))
    export.add_argument("--lang", help=_help("cli.help_grid_lang"))
    export.set_defaults(func=_grid_export)
    check = grid_sub.add_parser("check", help=_help("cli.help_grid_check"))
    check.add_argument("path", help=_help("cli.help_grid_path"))
    check.set_defaults(func=_grid_check)


# --- database: demo, backup ---------------------------------------------------------


def _add_db_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help=_help("store.help_db"))


MAX_ROW_ID = 2**63 - 1  # SQLite's largest integer


def _row_id(text: str) -> int:
    """A database id given on the command line: a whole number from 1 to SQLite's maximum."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_ROW_ID:
        raise argparse.ArgumentTypeError(t("cli.bad_id", value=text[:40], max=MAX_ROW_ID))
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(t("demo.bad_count", value=text))
    return value


def _demo(args: argparse.Namespace) -> int:
    from . import demo, store

    with store.open_store(args.db) as database:
        if args.if_empty:
            summary = demo.generate_demo_if_empty(database, args.projects, args.seed,
                                                  args.assessments)
            if summary is None:
                print(t("demo.skipped_not_empty", path=database.path))
                return 0
        else:
            summary = demo.generate_demo(database, args.projects, args.seed, args.assessments)
        print(t("demo.generated", path=database.path,
                territories=fmt.integer(summary.territories),
                projects=fmt.integer(summary.projects),
                assessments=fmt.integer(summary.assessments),
                respondents=fmt.integer(summary.respondents),
                answers=fmt.integer(summary.answers), seconds=fmt.number(summary.seconds, 1)))
    return 0


def _add_demo_commands(subparsers: argparse._SubParsersAction) -> None:
    from .demo import DEFAULT_PROJECTS, DEFAULT_SEED

    parser = subparsers.add_parser("demo", help=_help("demo.help_demo"))
    parser.add_argument("--projects", type=_positive, default=DEFAULT_PROJECTS,
                        help=_help("demo.help_projects"))
    parser.add_argument("--assessments", type=_positive, default=None,
                        help=_help("demo.help_assessments"))
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=_help("demo.help_seed"))
    parser.add_argument("--if-empty", action="store_true", help=_help("demo.help_if_empty"))
    _add_db_argument(parser)
    parser.set_defaults(func=_demo)


def _backup(args: argparse.Namespace) -> int:
    from . import store

    with store.open_store(args.db) as database:
        target = database.backup(args.path)
    print(t("store.backup_done", path=target, source=database.path))
    return 0


def _add_backup_commands(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("backup", help=_help("store.help_backup"))
    parser.add_argument("path", help=_help("store.help_backup_path"))
    _add_db_argument(parser)
    parser.set_defaults(func=_backup)
# --- score --------------------------------------------------------------------------


def _score(args: argparse.Namespace) -> int:
    # Imported here: pandas and the scoring engine are only needed by this command.
    import pandas as pd

    from .answers import read_answers_file
    from .scale import load_scale
    from .scoring import recommend, score, to_report

    grid = grid_module.load_grid(args.grid)
    phase_ids = [p.id for p in grid.phases]
    if args.phase is not None and args.phase not in phase_ids:
        raise ScaleError(t("cli_score.unknown_phase", phase=args.phase, grid=grid.id,
                           valid=", ".join(phase_ids) or "—"))
    scale = load_scale()
    answers = read_answers_file(args.answers, grid, scale)
    ids = list(pd.unique(answers["assessment"]))
    context = pd.DataFrame({"assessment": ids, "phase": [args.phase] * len(ids),
                            "profile": [args.profile] * len(ids), "cte": [args.cte] * len(ids)})
    scores = score(answers, grid, assessments=context, scale=scale)
    recommendations = recommend(scores, grid, scale=scale)
    reports = {a: to_report(scores, recommendations, a, grid) for a in scores.assessments()}
    if args.format == "json":
        document = next(iter(reports.values())) if len(reports) == 1 else reports
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    else:
        default_targets = bool(grid.phases) and args.phase is None and args.profile is None
        text = "\n".join(score_table(report, assessment, grid, scale,
                                     default_targets=default_targets)
                         for assessment, report in reports.items())
    _write_output(text, args.output)
    return 0


def _number(value: float | None, digits: int = 1, percent: bool = False) -> str:
    """A table cell: the reader's decimal mark, decimals kept so that columns line up."""
    if value is None:
        return t("cli_score.nothing")
    if percent:
        return fmt.percent(value)
    return fmt.number(value, digits, trim=False)


def score_table(report: dict, assessment: object, grid: grid_module.Grid, scale: Scale, *,
                default_targets: bool = False) -> str:
    """A plain-text reading of one report (as `to_report` gives it), for people at a terminal.

    `default_targets`: neither phase nor profile was given; the table says which target applies.
    """
    bands = {band.id: band.label for band in scale.bands}
    nothing = t("cli_score.nothing")
    lines = [t("cli_score.assessment", assessment=assessment, grid=grid.id),
             t("cli_score.overall", score=_number(report["overall"]["score"]),
               band=bands.get(report["overall"]["band"], nothing),
               completeness=_number(report["completeness"], percent=True)), ""]
    header = {key: t(f"cli_score.header_{key}") for key in
              ("id", "score", "band", "completeness", "target", "gap", "basis")}
    lines.append(t("cli_score.stage_row", **header))
    for stage in report["stages"]:
        lines.append(t("cli_score.stage_row", id=stage["id"],
                       score=_number(stage["score"]),
                       band=bands.get(stage["band"], nothing),
                       completeness=_number(stage["completeness"], percent=True),
                       target=_number(stage["target"], 0),
                       gap=_number(stage["gap"]),
                       basis=t(f"cli_score.basis_{stage['basis']}")))
    if report["flags"]:
        lines += ["", t("cli_score.flags")]
        lines += [t("cli_score.flag", item=f["item"], stage=f["stage"],
                    value=_number(f["value"]), reason=f["reason"]) for f in report["flags"]]
    lines += ["", t("cli_score.recommendations")]
    if default_targets and scale.targets.unknown_phase is not None:
        band = scale.band_of(scale.targets.unknown_phase)
        lines.append(t("targets.cli_default", band=band.label if band else nothing,
                       threshold=fmt.number(scale.targets.unknown_phase, 1)))
    elif all(stage["target"] is None for stage in report["stages"]):
        lines.append(t("cli_score.no_target"))
    texts = {item.id: item.text for item in (*grid.criteria(), *grid.methods())}
    for rec in report["recommendations"]:
        lines.append(t("cli_score.recommendation", rank=rec["rank"], stage=rec["stage"],
                       method=rec["method"], text=texts.get(rec["method"], ""),
                       priority=_number(rec["priority"], 2),
                       because=", ".join(rec["because"]) or nothing))
    if not report["recommendations"]:
        lines.append("  " + nothing)
    return "\n".join(lines) + "\n"


def _add_score_commands(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("score", help=_help("cli_score.help"))
    parser.add_argument("answers", help=_help("cli_score.help_answers"))
    parser.add_argument("--grid", default="cooperation", help=_help("cli_score.help_grid"))
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--phase", help=_help("cli_score.help_phase"))
    target.add_argument("--profile", help=_help("cli_score.help_profile"))
    parser.add_argument("--cte", action="store_true", help=_help("cli_score.help_cte"))
    parser.add_argument("--format", choices=("json", "table"), default="json",
                        help=_help("cli_score.help_format"))
    parser.add_argument("--output", "-o", help=_help("cli.help_output"))
    parser.set_defaults(func=_score)


# --- exchange: export, template, import -------------------------------------------


def _export(args: argparse.Namespace) -> int:
    from . import exchange, store

    with store.open_store(args.db) as database:
        ids = list(args.assessment or [])
        for project_id in args.project or []:
            database.project(project_id)
            ids += list(database.assessments(project_id)["id"])
        target = exchange.export_file(database, args.path, ids if (args.assessment or args.project)
                                      else None, fmt=args.format, table=args.table,
                                      dialect=args.csv)
    print(t("exchange.exported", path=target))
    return 0


def _template(args: argparse.Namespace) -> int:
    from . import exchange, store

    project = assessment = cte = None
    if args.assessment is not None:
        with store.open_store(args.db) as database:
            campaign = database.assessment(args.assessment)
            grid = database.grid_of(args.assessment)
            record = database.project(campaign.project_id)
            project, assessment, cte = record.name, campaign.label, record.cte
    else:
        grid = grid_module.load_grid(args.grid)
    # a .pdf asks for the paper version of the same questionnaire
    make = exchange.questionnaire_pdf if str(args.output).lower().endswith(".pdf") \
        else exchange.questionnaire_bytes
    data = make(grid, project=project, assessment=assessment, cte=cte)
    write_atomic(args.output, data)
    print(t("exchange.template_written", path=args.output, grid=grid.id, version=grid.version))
    return 0


def _import(args: argparse.Namespace) -> int:
    from . import exchange, store

    with store.open_store(args.db) as database:
        result = exchange.import_answers(
            database, args.files, args.assessment, project_id=args.project, grid_id=args.grid,
            label=args.label, date=args.date, dry_run=args.dry_run,
            allow_other_assessment=args.allow_other_assessment)
    key = "exchange.checked" if result.dry_run else "exchange.imported"
    print(t(key, answers=result.answers, respondents=result.respondents,
            assessment=result.assessment_id, label=result.label,
            created=result.created_respondents))
    return 0


def _add_exchange_commands(subparsers: argparse._SubParsersAction) -> None:
    from .exchange import EXPORT_FORMATS

    export = subparsers.add_parser("export", help=_help("exchange.help_export"))
    export.add_argument("path", help=_help("exchange.help_export_path"))
    export.add_argument("--assessment", type=_row_id, action="append",
                        help=_help("exchange.help_export_assessment"))
    export.add_argument("--project", type=_row_id, action="append",
                        help=_help("exchange.help_export_project"))
    export.add_argument("--format", choices=EXPORT_FORMATS, help=_help("exchange.help_export_format"))
    export.add_argument("--table", default="answers", help=_help("exchange.help_export_table"))
    export.add_argument("--csv", choices=("fr", "comma"), default="fr",
                        help=_help("exchange.help_export_csv"))
    _add_db_argument(export)
    export.set_defaults(func=_export)

    template = subparsers.add_parser("template", help=_help("exchange.help_template"))
    template.add_argument("grid", nargs="?", default="cooperation",
                          help=_help("exchange.help_template_grid"))
    template.add_argument("--output", "-o", required=True, help=_help("exchange.help_template_output"))
    template.add_argument("--assessment", type=_row_id, help=_help("exchange.help_template_assessment"))
    _add_db_argument(template)
    template.set_defaults(func=_template)

    importing = subparsers.add_parser("import", help=_help("exchange.help_import"))
    importing.add_argument("files", nargs="+", help=_help("exchange.help_import_files"))
    importing.add_argument("--assessment", type=_row_id, help=_help("exchange.help_import_assessment"))
    importing.add_argument("--project", type=_row_id, help=_help("exchange.help_import_project"))
    importing.add_argument("--grid", help=_help("exchange.help_import_grid"))
    importing.add_argument("--label", help=_help("exchange.help_import_label"))
    importing.add_argument("--date", help=_help("exchange.help_import_date"))
    importing.add_argument("--dry-run", action="store_true", help=_help("exchange.help_import_dry_run"))
    importing.add_argument("--allow-other-assessment", action="store_true",
                           help=_help("exchange.help_import_allow_other"))
    _add_db_argument(importing)
    importing.set_defaults(func=_import)


# --- campaign: respondents and their links, assessment and project life ------------------


def _role_label(role: str) -> str:
    from .scale import load_scale

    return load_scale().role_label(role)


def _print_link(link) -> None:
    organisation = f", {link.organisation}" if link.organisation else ""
    print(t("campaign.link_line", id=link.respondent_id, name=link.name,
            role=_role_label(link.role), organisation=organisation, url=link.url))


def _write_links(links_: list, path: str) -> None:
    from . import links

    data = links.links_xlsx(links_) if path.lower().endswith(".xlsx") else links.links_csv(links_)
    try:
        with open(path, "wb") as handle:
            handle.write(data)
    except OSError as error:
        raise CoopscoreError(t("campaign.cannot_write", path=path,
                               detail=error.strerror or error)) from None
    print(t("campaign.links_written", path=path, count=len(links_)))


def _respondents_add(args: argparse.Namespace) -> int:
    from . import links, store

    with store.open_store(args.db) as database:
        link = links.add_respondent_with_link(database, args.assessment, args.name, args.role,
                                              args.organisation, args.base_url)
    print(t("campaign.added", name=link.name, assessment=args.assessment))
    _print_link(link)
    print(t("campaign.shown_once"))
    return 0


def _respondents_add_list(args: argparse.Namespace) -> int:
    from . import links, store

    try:
        with open(args.file, "rb") as handle:
            text = links.decode_list(handle.read())
    except OSError as error:
        detail = t("campaign.file_missing") if isinstance(error, FileNotFoundError) \
            else error.strerror or error
        raise CoopscoreError(t("campaign.cannot_read", path=args.file, detail=detail)) from None
    with store.open_store(args.db) as database:
        issued = links.add_respondent_list(database, args.assessment, text, args.base_url)
    print(t("campaign.added_list", count=len(issued), assessment=args.assessment))
    for link in issued:
        _print_link(link)
    if args.output:
        _write_links(issued, args.output)
    print(t("campaign.shown_once"))
    return 0


def _respondents_links(args: argparse.Namespace) -> int:
    from . import links, store

    with store.open_store(args.db) as database:
        states = links.link_states(database, args.assessment)
        issued = links.issue_links(database, args.assessment, args.base_url,
                                   only_without_link=not args.regenerate)
        kept = states[states["has_link"]] if not args.regenerate else states.iloc[0:0]
        names = database.respondents(args.assessment).set_index("id")["name"]
    if not len(states):
        print(t("campaign.no_respondents", assessment=args.assessment))
        return 0
    if args.regenerate:
        print(t("campaign.regenerated", count=len(issued)))
    for link in issued:
        _print_link(link)
    for row in kept.itertuples(index=False):
        print(t("campaign.link_kept", id=row.respondent, name=names[row.respondent],
                since=str(row.link_created_at)[:10]))
    if len(kept):
        print(t("campaign.kept_explained", count=len(kept)))
    if args.output:
        _write_links(issued, args.output)
    if issued:
        print(t("campaign.shown_once"))
    return 0


def _respondents_revoke(args: argparse.Namespace) -> int:
    from . import links, store

    with store.open_store(args.db) as database:
        person = database.respondent(args.respondent)
        count = links.revoke_link(database, args.respondent)
    print(t("campaign.revoked" if count else "campaign.nothing_to_revoke", name=person.name,
            id=person.id))
    return 0


def _respondents_status(args: argparse.Namespace) -> int:
    from . import links, store

    with store.open_store(args.db) as database:
        frame = links.followup(database, args.assessment)
    if not len(frame):
        print(t("campaign.no_respondents", assessment=args.assessment))
        return 0
    for row in frame.itertuples(index=False):
        last = str(row.last_answer_at)[:16].replace("T", " ") if row.last_answer_at else \
            t("campaign.never")
        mark = t("campaign.to_remind") if row.to_remind else t("campaign.complete")
        print(t("campaign.status_line", id=row.respondent, name=row.name,
                role=_role_label(row.role), answered=row.answered, total=row.total, last=last,
                mark=mark))
    print(t("campaign.status_summary", remind=int(frame["to_remind"].sum()), total=len(frame)))
    return 0


def _respondents_remove(args: argparse.Namespace) -> int:
    from . import store

    with store.open_store(args.db) as database:
        person = database.respondent(args.respondent)
        answered = int(database.respondents(person.assessment_id).set_index("id")
                       .loc[person.id, "n_answers"])
        if not args.yes:
            print(t("campaign.remove_respondent_confirm", name=person.name, id=person.id,
                    answers=answered))
            return 1
        database.delete_respondent(person.id)
    print(t("campaign.respondent_removed", name=person.name, answers=answered))
    return 0


def _answer_remove(args: argparse.Namespace) -> int:
    from . import store

    with store.open_store(args.db) as database:
        person = database.respondent(args.respondent)
        if person.assessment_id != args.assessment:
            raise CoopscoreError(t("store.respondent_not_in_assessment",
                                   respondent=person.id, assessment=args.assessment))
        answers = database.answers(args.assessment)
        row = answers[(answers["respondent"] == person.id) & (answers["item"] == args.item)]
        if not len(row):
            raise CoopscoreError(t("campaign.no_such_answer", name=person.name, item=args.item))
        value = row.iloc[0]["value"]
        comment = row.iloc[0]["comment"]
        if not args.yes:
            print(t("campaign.remove_answer_confirm", name=person.name, item=args.item,
                    value=value, comment=t("campaign.with_comment") if comment else ""))
            return 1
        database.delete_answer(args.assessment, person.id, args.item)
    print(t("campaign.answer_removed", name=person.name, item=args.item))
    return 0


def _assessment_close(args: argparse.Namespace) -> int:
    from . import store

    with store.open_store(args.db) as database:
        database.close_assessment(args.assessment, on=args.date)
        campaign = database.assessment(args.assessment)
    if campaign.status == "closed":
        print(t("campaign.closed", id=campaign.id, label=campaign.label))
    else:
        print(t("campaign.closes_on", id=campaign.id, label=campaign.label,
                date=campaign.closes_on))
    return 0


def _assessment_reopen(args: argparse.Namespace) -> int:
    from . import store

    with store.open_store(args.db) as database:
        database.reopen_assessment(args.assessment)
        campaign = database.assessment(args.assessment)
    print(t("campaign.reopened", id=campaign.id, label=campaign.label))
    return 0


def _assessment_anonymous(args: argparse.Namespace) -> int:
    from . import anonymity, store

    with store.open_store(args.db) as database:
        anonymity.set_anonymous(database, args.assessment, args.state == "oui")
        campaign = database.assessment(args.assessment)
    print(t("campaign.anonymous_on" if campaign.anonymous else "campaign.anonymous_off",
            id=campaign.id, label=campaign.label))
    return 0


def _assessment_own_profile(args: argparse.Namespace) -> int:
    from . import store

    with store.open_store(args.db) as database:
        database.set_show_own_profile(args.assessment, args.state == "oui")
        campaign = database.assessment(args.assessment)
    print(t("campaign.own_profile_on" if campaign.show_own_profile else "campaign.own_profile_off",
            id=campaign.id, label=campaign.label))
    return 0


def _project_update(args: argparse.Namespace) -> int:
    from . import store

    if args.name is None and args.phase is None:
        raise CoopscoreError(t("campaign.project_nothing_to_change"))
    with store.open_store(args.db) as database:
        database.update_project(args.project, name=args.name,
                                **({"phase": args.phase} if args.phase is not None else {}))
        project = database.project(args.project)
    print(t("campaign.project_updated", id=project.id, name=project.name,
            phase=project.phase or t("campaign.no_phase")))
    return 0


def _add_campaign_commands(subparsers: argparse._SubParsersAction) -> None:
    respondents = subparsers.add_parser("respondents", help=_help("campaign.help_respondents"))
    sub = respondents.add_subparsers(dest="respondents_command", required=True,
                                     parser_class=_FrenchParser)

    def command(name: str, func: Command, help_key: str) -> argparse.ArgumentParser:
        parser = sub.add_parser(name, help=_help(help_key))
        _add_db_argument(parser)
        parser.set_defaults(func=func)
        return parser

    add = command("add", _respondents_add, "campaign.help_add")
    add.add_argument("--assessment", type=int, required=True, help=_help("campaign.help_assessment"))
    add.add_argument("--name", required=True, help=_help("campaign.help_name"))
    add.add_argument("--role", required=True, help=_help("campaign.help_role"))
    add.add_argument("--organisation", help=_help("campaign.help_organisation"))
    add.add_argument("--base-url", help=_help("campaign.help_base_url"))

    add_list = command("add-list", _respondents_add_list, "campaign.help_add_list")
    add_list.add_argument("file", help=_help("campaign.help_list_file"))
    add_list.add_argument("--assessment", type=int, required=True,
                          help=_help("campaign.help_assessment"))
    add_list.add_argument("--base-url", help=_help("campaign.help_base_url"))
    add_list.add_argument("--output", "-o", help=_help("campaign.help_links_output"))

    listing = command("links", _respondents_links, "campaign.help_links")
    listing.add_argument("--assessment", type=int, required=True,
                         help=_help("campaign.help_assessment"))
    listing.add_argument("--regenerate", action="store_true", help=_help("campaign.help_regenerate"))
    listing.add_argument("--base-url", help=_help("campaign.help_base_url"))
    listing.add_argument("--output", "-o", help=_help("campaign.help_links_output"))

    revoke = command("revoke", _respondents_revoke, "campaign.help_revoke")
    revoke.add_argument("--respondent", type=int, required=True,
                        help=_help("campaign.help_respondent"))

    status = command("status", _respondents_status, "campaign.help_status")
    status.add_argument("--assessment", type=int, required=True,
                        help=_help("campaign.help_assessment"))

    remove = command("remove", _respondents_remove, "campaign.help_remove")
    remove.add_argument("--respondent", type=int, required=True,
                        help=_help("campaign.help_respondent"))
    remove.add_argument("--yes", action="store_true", help=_help("campaign.help_yes"))

    answer = subparsers.add_parser("answer", help=_help("campaign.help_answer"))
    answer_sub = answer.add_subparsers(dest="answer_command", required=True,
                                       parser_class=_FrenchParser)
    answer_remove = answer_sub.add_parser("remove", help=_help("campaign.help_answer_remove"))
    answer_remove.add_argument("--assessment", type=int, required=True,
                               help=_help("campaign.help_assessment"))
    answer_remove.add_argument("--respondent", type=int, required=True,
                               help=_help("campaign.help_respondent"))
    answer_remove.add_argument("--item", required=True, help=_help("campaign.help_item"))
    answer_remove.add_argument("--yes", action="store_true", help=_help("campaign.help_yes"))
    _add_db_argument(answer_remove)
    answer_remove.set_defaults(func=_answer_remove)

    assessment = subparsers.add_parser("assessment", help=_help("campaign.help_assessment_group"))
    assessment_sub = assessment.add_subparsers(dest="assessment_command", required=True,
                                               parser_class=_FrenchParser)
    close = assessment_sub.add_parser("close", help=_help("campaign.help_close"))
    close.add_argument("assessment", type=int, help=_help("campaign.help_assessment"))
    close.add_argument("--date", help=_help("campaign.help_close_date"))
    reopen = assessment_sub.add_parser("reopen", help=_help("campaign.help_reopen"))
    reopen.add_argument("assessment", type=int, help=_help("campaign.help_assessment"))
    anonymous = assessment_sub.add_parser("anonymous", help=_help("campaign.help_anonymous"))
    anonymous.add_argument("assessment", type=int, help=_help("campaign.help_assessment"))
    anonymous.add_argument("state", choices=("oui", "non"), help=_help("campaign.help_anonymous_state"))
    own_profile = assessment_sub.add_parser("own-profile", help=_help("campaign.help_own_profile"))
    own_profile.add_argument("assessment", type=int, help=_help("campaign.help_assessment"))
    own_profile.add_argument("state", choices=("oui", "non"),
                             help=_help("campaign.help_anonymous_state"))
    for parser, func in ((close, _assessment_close), (reopen, _assessment_reopen),
                         (anonymous, _assessment_anonymous), (own_profile, _assessment_own_profile)):
        _add_db_argument(parser)
        parser.set_defaults(func=func)

    project = subparsers.add_parser("project", help=_help("campaign.help_project_group"))
    project_sub = project.add_subparsers(dest="project_command", required=True,
                                         parser_class=_FrenchParser)
    update = project_sub.add_parser("update", help=_help("campaign.help_project_update"))
    update.add_argument("project", type=int, help=_help("campaign.help_project"))
    update.add_argument("--name", help=_help("campaign.help_project_name"))
    update.add_argument("--phase", help=_help("campaign.help_project_phase"))
    _add_db_argument(update)
    update.set_defaults(func=_project_update)

# --- report: the fiche de maturité, the portfolio report (PDF) -------------------------


def _report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from . import report, store

    target = Path(args.output)
    if target.is_dir():  # said before any work, and nothing is written
        raise CoopscoreError(t("report.path_is_folder", path=target))
    if not target.parent.is_dir():
        raise CoopscoreError(t("report.no_folder", folder=target.parent))
    with store.open_store(args.db) as database:
        if args.assessment is not None:
            assessment = database.assessment(args.assessment)
            project = database.project(assessment.project_id)
            data = report.fiche_pdf(database, args.assessment, consent=args.consent)
            report.write_pdf(target, data)
            print(t("report.fiche_written", project=project.name, label=assessment.label,
                    path=target))
            return 0
        table, grid = report.portfolio_table_for(database, args.grid, programme=args.programme)
        data = report.portfolio_pdf(table, grid, scope=report.portfolio_scope(args.programme))
        report.write_pdf(target, data)
    print(t("report.portfolio_written", projects=len(table), grid=grid.id, path=target))
    return 0


def _add_report_commands(subparsers: argparse._SubParsersAction) -> None:
    from .report import CONSENT_LEVELS

    parser = subparsers.add_parser("report", help=_help("report.help_report"))
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--assessment", type=_row_id, help=_help("report.help_assessment"))
    which.add_argument("--portfolio", action="store_true", help=_help("report.help_portfolio"))
    parser.add_argument("--programme", help=_help("report.help_programme"))
    parser.add_argument("--grid", default="cooperation", help=_help("report.help_grid"))
    parser.add_argument("--consent", choices=CONSENT_LEVELS, help=_help("report.help_consent"))
    parser.add_argument("--output", "-o", required=True, help=_help("report.help_output"))
    _add_db_argument(parser)
    parser.set_defaults(func=_report)


# --- access: grant, list, revoke ---------------------------------------------------


def _scope_label(kind: str, scope_id: object) -> str:
    if kind == "all":
        return t("access.scope_label_all")
    return t("access.scope_label", kind=kind, id=scope_id)


def _access_grant(args: argparse.Namespace) -> int:
    from . import access, store

    chosen = [(kind, value) for kind, value in (("territory", args.territory),
                                                ("project", args.project),
                                                ("programme", args.programme))
              if value is not None]
    kind, scope_id = chosen[0] if chosen else ("all", None)
    with store.open_store(args.db) as database:
        grant_id = access.grant(database, args.email, args.role, kind, scope_id)
    print(t("access.granted", email=args.email.strip().lower(), role=args.role,
            scope=_scope_label(kind, scope_id), id=grant_id))
    return 0


def _access_list(args: argparse.Namespace) -> int:
    from . import access, store

    with store.open_store(args.db) as database:
        rows = access.grants(database, active_only=not args.all)
    if not rows:
        print(t("access.list_empty"))
    for row in rows:
        revoked = t("access.list_revoked", at=row["revoked_at"]) if row["revoked_at"] else ""
        print(t("access.list_row", id=row["id"], email=row["email"], role=row["role"],
                scope=_scope_label(row["scope_kind"], row["scope_id"]),
                granted_at=row["granted_at"], revoked=revoked))
    return 0


def _access_revoke(args: argparse.Namespace) -> int:
    from . import access, store

    with store.open_store(args.db) as database:
        count = access.revoke(database, args.email, args.role)
    print(t("access.revoked", count=count, email=args.email.strip().lower()))
    return 0


def _add_access_commands(subparsers: argparse._SubParsersAction) -> None:
    from .store import programmes

    parser = subparsers.add_parser("access", help=_help("access.help_access"))
    access_sub = parser.add_subparsers(dest="access_command", required=True,
                                       parser_class=_FrenchParser)
    granting = access_sub.add_parser("grant", help=_help("access.help_grant"))
    granting.add_argument("email", help=_help("access.help_email"))
    granting.add_argument("role", help=_help("access.help_role"))
    scope = granting.add_mutually_exclusive_group()
    scope.add_argument("--territory", type=int, help=_help("access.help_territory"))
    scope.add_argument("--project", type=int, help=_help("access.help_project"))
    scope.add_argument("--programme", help=_help("access.help_programme",
                                                 valid=", ".join(programmes())))
    _add_db_argument(granting)
    granting.set_defaults(func=_access_grant)
    listing = access_sub.add_parser("list", help=_help("access.help_list"))
    listing.add_argument("--all", action="store_true", help=_help("access.help_all"))
    _add_db_argument(listing)
    listing.set_defaults(func=_access_list)
    revoking = access_sub.add_parser("revoke", help=_help("access.help_revoke"))
    revoking.add_argument("email", help=_help("access.help_email"))
    revoking.add_argument("role", nargs="?", help=_help("access.help_role"))
    _add_db_argument(revoking)
    revoking.set_defaults(func=_access_revoke)


def _mode_check(args: argparse.Namespace) -> int:
    from . import signin

    mode = signin.check_deployment(secrets=signin.read_secrets(args.secrets))
    print(t(f"signin.mode_{mode}"))
    return 0


def _add_mode_commands(subparsers: argparse._SubParsersAction) -> None:
    from .signin import SECRETS_FILE

    parser = subparsers.add_parser("mode", help=_help("signin.help_mode"))
    parser.add_argument("--secrets", default=str(SECRETS_FILE), help=_help("signin.help_secrets"))
    parser.set_defaults(func=_mode_check)


# --- entry point --------------------------------------------------------------------

COMMAND_GROUPS: list[Callable[[argparse._SubParsersAction], None]] = [
    _add_grid_commands,
    _add_demo_commands,
    _add_exchange_commands,
    _add_backup_commands,
    _add_score_commands,
    _add_campaign_commands,
    _add_report_commands,
    _add_access_commands,
    _add_mode_commands,
]


def build_parser() -> argparse.ArgumentParser:
    parser = _FrenchParser(prog="python -m coopscore", description=t("cli.description"))
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_FrenchParser)
    for add_commands in COMMAND_GROUPS:
        add_commands(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code (0 ok, 1 a check failed, 2 bad input)."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CoopscoreError as error:
        sys.stderr.write(str(error) + "\n")
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        sys.stderr.write(t("cli.interrupted") + "\n")
        return 130
    except Exception as error:  # noqa: BLE001 - the last guard: French, exit 2, no traceback
        database = getattr(args, "db", None) or str(_default_db_path())
        sys.stderr.write(failures.describe(error, database) + "\n")
        if failures.debug_enabled():
            traceback.print_exc()
        return 2


def _default_db_path() -> object:
    from .store import default_db_path

    return default_db_path()

"""The ``policybot`` command."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from bot.config import ConfigError, load_config
from conversations.policy import PackError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policybot",
        description="Check social media posts against the Trust's Social Media Policy.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the server (Slack, Teams, web playground)")
    serve.add_argument("--host", default=None, help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default PORT or 3978)")
    serve.add_argument("--playground", action="store_true",
                       help="serve the web playground even when a platform is configured")
    serve.add_argument("--insecure-playground-on-any-address", action="store_true",
                       dest="insecure_playground",
                       help="let the playground (which lets anyone act as anyone) bind to a "
                            "non-loopback address")
    serve.add_argument("--teams-emulator", action="store_true",
                       help="serve /api/messages without auth, loopback only")

    chat = sub.add_parser("chat", help="chat with the bot in this terminal")
    chat.add_argument("--as", dest="email", required=True, help="your email in the directory")

    policy = sub.add_parser("policy", help="policy pack tools")
    policy_sub = policy.add_subparsers(dest="policy_command", required=True)
    check = policy_sub.add_parser("check", help="validate a policy pack")
    check.add_argument("file", nargs="?", help="pack file (default: the configured pack)")

    directory = sub.add_parser("directory", help="staff directory")
    dir_sub = directory.add_subparsers(dest="directory_command", required=True)
    imp = dir_sub.add_parser("import", help="upsert people from a CSV file")
    imp.add_argument("file")
    show = dir_sub.add_parser("show", help="show a person and their approval chain")
    show.add_argument("email")
    sync = dir_sub.add_parser("sync", help="bring the directory in step with Microsoft Entra ID")
    sync.add_argument("--from", dest="source", required=True, choices=("entra",),
                      help="where staff are read from")
    sync.add_argument("--dry-run", action="store_true", help="print the difference, change nothing")
    sync.add_argument("--force", action="store_true",
                      help="apply even when more than POLICYBOT_ENTRA_MAX_REMOVAL_PERCENT leave")

    export = sub.add_parser("export", help="write requests and decisions for governance")
    export.add_argument("--since", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--out", default="-", help="file to write (default: standard output)")
    export.add_argument("--what", choices=("requests", "audit", "all"), default=None,
                        help="requests and decisions, or the audit trail (every check, "
                             "refusal, refused attempt and dispute); default: requests for "
                             "csv, all for json")
    export.add_argument("--for", dest="reader", metavar="EMAIL", default=None,
                        help="only what this person may see in chat (their role decides; "
                             "concern reports only if given to them, never about them)")

    report = sub.add_parser("report", help="write the governance report (HTML and CSV) of a "
                                           "period: this school term unless told")
    report.add_argument("--from", dest="start", type=date.fromisoformat, default=None,
                        help="YYYY-MM-DD, the first day (default: this term's first)")
    report.add_argument("--to", dest="end", type=date.fromisoformat, default=None,
                        help="YYYY-MM-DD, the last day (default: today, or this term's last)")
    report.add_argument("--school", default="", help="one school only (default: the Trust)")
    report.add_argument("--out", default="", help="the HTML file to write; the CSV goes "
                                                  "beside it (default: policy-report-PERIOD)")

    jobs = sub.add_parser("jobs", help="reminders, escalation, expiry, digests, retention")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", required=True)
    run = jobs_sub.add_parser("run", help="run every job as of a moment")
    run.add_argument("--at", type=_moment, default=None, help="ISO-8601 time (default: now)")
    run.add_argument("--dry-run", action="store_true",
                     help="say what would be done and sent, change nothing")
    listing = jobs_sub.add_parser("list", help="show what is due next")
    listing.add_argument("--at", type=_moment, default=None, help="ISO-8601 time (default: now)")

    outbox = sub.add_parser("outbox", help="deliveries that failed for good; retry them")
    outbox_sub = outbox.add_subparsers(dest="outbox_command")
    outbox_sub.add_parser("list", help="list the failed deliveries (the default)")
    again = outbox_sub.add_parser("retry", help="send failed deliveries again")
    again.add_argument("ids", nargs="*", help="ids of failed deliveries (policybot outbox)")
    again.add_argument("--all", action="store_true", dest="every", help="every failed one")

    purge = sub.add_parser("purge", help="remove drafts, answers and comments past retention")
    purge.add_argument("--dry-run", action="store_true", help="say what would go, change nothing")
    purge.add_argument("--at", type=_moment, default=None, help=argparse.SUPPRESS)

    delegate = sub.add_parser("delegate", help="pass an approver's steps to someone while away")
    delegate.add_argument("approver", help="email of the approver who is away")
    delegate.add_argument("--to", required=True, dest="delegate", help="email of the delegate")
    delegate.add_argument("--until", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
    delegate.add_argument("--start", type=date.fromisoformat, default=None,
                          help="YYYY-MM-DD (default: today)")

    slack = sub.add_parser("slack", help="Slack app tools")
    slack_sub = slack.add_subparsers(dest="slack_command", required=True)
    manifest = slack_sub.add_parser("manifest", help="print the Slack app manifest (JSON)")
    target = manifest.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="the server's public https address, "
                                      "e.g. https://policybot.example.org")
    target.add_argument("--socket-mode", action="store_true",
                        help="for Socket Mode (SLACK_APP_TOKEN), with no public address")

    teams = sub.add_parser("teams", help="Microsoft Teams tools")
    teams_sub = teams.add_subparsers(dest="teams_command", required=True)
    package = teams_sub.add_parser("package", help="write the Teams app package to upload")
    package.add_argument("--app-id", required=True, help="the Azure bot's Microsoft App ID")
    package.add_argument("--out", required=True, help="zip file to write")
    package.add_argument("--name", default="", help="app name shown in Teams (default Policy Bot)")
    package.add_argument("--developer", default="", help="publisher name shown in Teams")
    package.add_argument("--website-url", default="", help="https:// page about the app")
    package.add_argument("--privacy-url", default="", help="https:// privacy notice")
    package.add_argument("--terms-url", default="", help="https:// terms of use")

    migrate = sub.add_parser("migrate", help="copy every record into another store "
                                             "(e.g. from TinyDB into PostgreSQL)")
    migrate.add_argument("--from", dest="source", required=True, metavar="tinydb:PATH",
                         help="the store to copy from")
    migrate.add_argument("--to", dest="target", required=True, metavar="postgresql://...",
                         help="the store to copy into")
    migrate.add_argument("--force", action="store_true",
                         help="copy even if the target already holds documents")

    config = sub.add_parser("config", help="print the effective settings, secrets masked")
    config.add_argument("--markdown", action="store_true",
                        help="print the configuration reference as a Markdown table")
    return parser


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return asyncio.run(_run(args))
    except ConfigError as exc:
        print(f"policybot: configuration error: {exc}", file=sys.stderr)
        return 2
    except PackError as exc:
        for problem in exc.problems:
            print(f"policybot: policy pack: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


async def _run(args: argparse.Namespace) -> int:
    from policybot_app import commands

    if args.command == "config":
        return commands.show_config(markdown=args.markdown)
    if args.command == "teams":
        from adapters.teams.package import package_command

        return package_command(args.app_id, args.out, name=args.name, developer=args.developer,
                               website_url=args.website_url, privacy_url=args.privacy_url,
                               terms_url=args.terms_url)
    if args.command == "policy":
        return commands.check_policy(args.file)
    if args.command == "migrate":
        from bot.migrate import run_migrate

        return await run_migrate(args.source, args.target, force=args.force)
    if args.command == "slack":
        from adapters.slack.manifest import print_manifest

        return print_manifest(args.url, socket_mode=args.socket_mode)
    config = load_config()
    if args.command == "serve":
        from policybot_app.server import serve

        return await serve(config, args)
    if args.command == "chat":
        return await commands.chat(config, args.email)
    if args.command == "directory" and args.directory_command == "import":
        return await commands.import_directory(config, Path(args.file))
    if args.command == "directory" and args.directory_command == "sync":
        from bot.directory_sync.command import sync_command

        return await sync_command(config, dry_run=args.dry_run, force=args.force)
    if args.command == "directory":
        return await commands.show_person(config, args.email)
    if args.command == "jobs":
        return await commands.jobs(config, args.jobs_command, args.at,
                                   getattr(args, "dry_run", False))
    if args.command == "outbox":
        from policybot_app.outbox_command import outbox

        return await outbox(config, args.outbox_command or "list", getattr(args, "ids", []),
                            getattr(args, "every", False))
    if args.command == "purge":
        return await commands.purge(config, args.dry_run, args.at)
    if args.command == "delegate":
        return await commands.delegate(config, args.approver, args.delegate, args.start,
                                       args.until)
    if args.command == "report":
        from bot.report.command import report_command

        return await report_command(config, args.start, args.end, args.school, args.out)
    if args.command == "export":
        what = args.what or ("all" if args.format == "json" else "requests")
        if args.format == "csv" and what == "all":
            print("policybot: --what all needs --format json (CSV holds one table)",
                  file=sys.stderr)
            return 2
        return await commands.export(config, args.since, args.format, args.out, what,
                                     args.reader)
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())

"""The Teams app package: ``policybot teams package --app-id ID --out FILE.zip``.

A zip with ``manifest.json`` (manifest schema 1.17: a bot in personal scope with its command
list), a 192x192 colour icon and a 32x32 outline icon (white on transparent), which is what
Teams requires of an uploaded app. The icons are the files in ``adapters/teams_assets/`` when
a Trust has put its own there, else drawn here.
"""

from __future__ import annotations

import json
import math
import re
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from importlib import metadata, resources
from pathlib import Path
from typing import Any

MANIFEST_VERSION = "1.17"
SCHEMA_URL = ("https://developer.microsoft.com/en-us/json-schemas/teams/"
              f"v{MANIFEST_VERSION}/MicrosoftTeams.schema.json")
ACCENT = (0x0F, 0x76, 0x6E)  # teal
COLOR_SIZE = 192
OUTLINE_SIZE = 32
PLACEHOLDER_URL = "https://example.org"
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
COMMANDS = (
    ("check a post", "Check a post against the Social Media Policy before posting it"),
    ("new account", "Ask for a new official social media account"),
    ("report a concern", "Report a concern about social media use"),
    ("my requests", "See your requests and their status"),
    ("pending for me", "See the requests waiting for your decision"),
    ("help", "What the bot can do"),
)


class PackageError(ValueError):
    """A package option that Teams would refuse."""


def manifest(app_id: str, *, name: str = "Policy Bot", developer: str = "The Trust",
             website_url: str = PLACEHOLDER_URL, privacy_url: str = "",
             terms_url: str = "", version: str = "") -> dict[str, Any]:
    if not _GUID.fullmatch(app_id.strip()):
        raise PackageError(f"--app-id must be the bot's Microsoft App ID (a GUID such as "
                           f"00000000-0000-0000-0000-000000000000), not {app_id!r}")
    for label, url in (("website", website_url), ("privacy", privacy_url),
                       ("terms", terms_url)):
        if url and not url.startswith("https://"):
            raise PackageError(f"the {label} URL must start with https:// (Teams requires it)")
    if not 0 < len(name) <= 30:
        raise PackageError("the app name must be 1 to 30 characters")
    app_id = app_id.strip().lower()
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": version or _product_version(),
        "id": app_id,
        "developer": {
            "name": developer[:32],
            "websiteUrl": website_url,
            "privacyUrl": privacy_url or website_url,
            "termsOfUseUrl": terms_url or website_url,
        },
        "name": {"short": name, "full": f"{name}: Social Media Policy checks and approvals"[:100]},
        "description": {
            "short": "Check a post against the Social Media Policy before you post it.",
            "full": ("Staff check a social media post against the Trust's Social Media Policy "
                     "before posting it, in their own words. The bot explains what the policy "
                     "says, refuses what it never allows, and sends what needs approval to the "
                     "right approver, who decides with one click. Staff can also ask for a new "
                     "official account or report a concern."),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#" + "".join(f"{c:02X}" for c in ACCENT),
        "bots": [{
            "botId": app_id,
            "scopes": ["personal"],
            "supportsFiles": False,
            "isNotificationOnly": False,
            "commandLists": [{"scopes": ["personal"], "commands": [
                {"title": title, "description": text} for title, text in COMMANDS]}],
        }],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [],
    }


def write_package(out: Path, app_id: str, **options: str) -> Path:
    """Write the uploadable zip to ``out``; PackageError for options Teams would refuse."""
    data = manifest(app_id, **options)
    color, outline = icons()
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(data, indent=2) + "\n")
        archive.writestr("color.png", color)
        archive.writestr("outline.png", outline)
    return out


def package_command(app_id: str, out: str, **options: str) -> int:
    """The CLI entry point: 0 on success, 2 with one line on standard error otherwise."""
    try:
        path = write_package(Path(out), app_id, **{k: v for k, v in options.items() if v})
    except PackageError as exc:
        print(f"policybot: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path}: upload it in Teams (Apps > Manage your apps > Upload an app) or in "
          "the Teams admin centre")
    if not options.get("website_url"):
        print("note: the app's website, privacy and terms links point at a placeholder; pass "
              "--website-url (and --privacy-url, --terms-url) to link your Trust's pages")
    return 0


def _product_version() -> str:
    try:
        version = metadata.version("policybot")
    except metadata.PackageNotFoundError:
        return "1.0.0"
    parts = (re.findall(r"\d+", version) + ["0", "0", "0"])[:3]
    return ".".join(str(int(p)) for p in parts)


# -- icons ------------------------------------------------------------------------------------


def icons() -> tuple[bytes, bytes]:
    """(colour, outline) PNGs: the shipped assets if present, else drawn."""
    assets = resources.files("adapters").joinpath("teams_assets")
    color_file, outline_file = assets.joinpath("color.png"), assets.joinpath("outline.png")
    if color_file.is_file() and outline_file.is_file():
        return color_file.read_bytes(), outline_file.read_bytes()
    return color_icon(), outline_icon()


def color_icon() -> bytes:
    """192x192: a white tick on a teal rounded square."""
    size = COLOR_SIZE
    tick = _tick(size, width=size * 0.075)

    def pixel(x: float, y: float) -> tuple[int, int, int, int]:
        inside = _rounded_square(x, y, size, radius=size * 0.18)
        if inside <= 0:
            return (0, 0, 0, 0)
        cover = tick(x, y)
        rgb = tuple(round(c + (255 - c) * cover) for c in ACCENT)
        return (rgb[0], rgb[1], rgb[2], round(255 * inside))

    return _png(size, pixel)


def outline_icon() -> bytes:
    """32x32: the same tick, white on transparent, as Teams requires of outline icons."""
    size = OUTLINE_SIZE
    tick = _tick(size, width=size * 0.09)
    return _png(size, lambda x, y: (255, 255, 255, round(255 * tick(x, y))))


def _tick(size: int, width: float) -> Callable[[float, float], float]:
    a, b, c = (0.27 * size, 0.52 * size), (0.44 * size, 0.69 * size), (0.74 * size, 0.33 * size)

    def coverage(x: float, y: float) -> float:
        distance = min(_to_segment(x, y, a, b), _to_segment(x, y, b, c))
        return min(1.0, max(0.0, width - distance + 0.5))

    return coverage


def _to_segment(x: float, y: float, p: tuple[float, float], q: tuple[float, float]) -> float:
    dx, dy = q[0] - p[0], q[1] - p[1]
    t = max(0.0, min(1.0, ((x - p[0]) * dx + (y - p[1]) * dy) / (dx * dx + dy * dy)))
    return math.hypot(x - (p[0] + t * dx), y - (p[1] + t * dy))


def _rounded_square(x: float, y: float, size: int, radius: float) -> float:
    """Coverage (0..1) of a rounded square filling the icon, anti-aliased at the corners."""
    cx = min(max(x, radius), size - radius)
    cy = min(max(y, radius), size - radius)
    return min(1.0, max(0.0, radius - math.hypot(x - cx, y - cy) + 0.5))


def _png(size: int, pixel: Callable[[float, float], tuple[int, int, int, int]]) -> bytes:
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # filter: none
        for x in range(size):
            rows.extend(pixel(x + 0.5, y + 0.5))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b""))


if __name__ == "__main__":  # writes the shipped assets: python -m adapters.teams.package
    target = Path(__file__).resolve().parent.parent / "teams_assets"
    target.mkdir(exist_ok=True)
    (target / "color.png").write_bytes(color_icon())
    (target / "outline.png").write_bytes(outline_icon())
    print(f"wrote {target}/color.png and outline.png")

"""``policybot teams package`` writes an app package Teams accepts."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from adapters.teams import package
from policybot_app.cli import main

APP_ID = "3f2b6c1e-9a4d-4e8b-b1c2-7d9e0f1a2b3c"


def png_pixels(data: bytes) -> tuple[int, int, list[tuple[int, int, int, int]]]:
    """Width, height and RGBA pixels of an 8-bit RGBA PNG with unfiltered rows."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    idat = b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        chunks[kind] = body
        if kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, *_ = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, colour) == (8, 6)
    raw = zlib.decompress(idat)
    stride = width * 4 + 1
    pixels = []
    for y in range(height):
        row = raw[y * stride:(y + 1) * stride]
        assert row[0] == 0
        pixels += [tuple(row[1 + x * 4:5 + x * 4]) for x in range(width)]
    return width, height, pixels  # type: ignore[return-value]


def test_the_cli_writes_an_uploadable_package(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "policybot-teams.zip"
    assert main(["teams", "package", "--app-id", APP_ID, "--out", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        color = png_pixels(archive.read("color.png"))
        outline = png_pixels(archive.read("outline.png"))

    major, minor = (int(p) for p in manifest["manifestVersion"].split("."))
    assert (major, minor) >= (1, 16)
    assert manifest["id"] == APP_ID
    bot = manifest["bots"][0]
    assert bot["botId"] == APP_ID and bot["scopes"] == ["personal"]
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert len(manifest["name"]["short"]) <= 30
    assert len(manifest["description"]["short"]) <= 80
    assert len(manifest["description"]["full"]) <= 4000
    for url in manifest["developer"].values():
        assert url.startswith("https://") or url == manifest["developer"]["name"]
    assert all(len(c["title"]) <= 32 and len(c["description"]) <= 128
               for c in bot["commandLists"][0]["commands"])
    assert [int(p) for p in manifest["version"].split(".")]

    assert color[:2] == (192, 192)
    assert outline[:2] == (32, 32)
    alphas = {p[3] for p in outline[2]}
    assert 0 in alphas and 255 in alphas  # transparent background, opaque mark
    assert all(p[:3] == (255, 255, 255) for p in outline[2] if p[3])  # white only
    assert len({p[:3] for p in color[2] if p[3] == 255}) > 1  # a colour icon, not blank


@pytest.mark.parametrize("app_id", ["", "not-a-guid", "3f2b6c1e9a4d4e8bb1c27d9e0f1a2b3c"])
def test_a_bad_app_id_is_refused_with_one_line(tmp_path: Path, app_id: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "app.zip"
    assert main(["teams", "package", "--app-id", app_id, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--app-id" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_links_must_be_https(tmp_path: Path) -> None:
    with pytest.raises(package.PackageError, match="https"):
        package.write_package(tmp_path / "app.zip", APP_ID, website_url="http://trust.example")


def test_the_shipped_icons_are_the_drawn_ones() -> None:
    assert package.icons() == (package.color_icon(), package.outline_icon())

"""Draw the program's icons into static/icons/: a gold ribbon (childhood cancer's colour) on the site's blue.

    pip install pillow            # only this script needs it; the site serves the files it writes
    python scripts/make_icons.py

Writes icon.svg, favicon.ico (16, 32 and 48 px), apple-touch-icon.png (180 px), and icon-192.png,
icon-512.png and manifest.json, the web app manifest for "Add to home screen" (.json: whitenoise knows
no media type for .webmanifest). The SVG and the pictures are drawn from the same shapes below, on a
64-unit square.
"""

import json
import math
from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parents[1] / "static" / "icons"
BLUE = "#0b4f8a"  # --cip-blue in static/css/site.css
GOLD = "#ffbf47"  # --cip-focus
CORNER = 14
RIBBON_WIDTH = 7
# The ribbon, one strand: up from the right tail, round the loop, down to the left tail (straight lines and
# cubic Béziers).
RIBBON = [
    (44, 54),
    ("L", (27, 30)),
    ("C", (22, 23), (24, 11), (32, 11)),
    ("C", (40, 11), (42, 23), (37, 30)),
    ("L", (20, 54)),
]
TOP_START, TOP_END = RIBBON[-2][-1], RIBBON[-1][1]  # the last line, which lies on top where the strand crosses


def on_top(start, end):
    """The part of the top strand from start to end (fractions of its length), as a path."""
    (x0, y0), (x1, y1) = TOP_START, TOP_END
    first, last = ((round(x0 + (x1 - x0) * t, 2), round(y0 + (y1 - y0) * t, 2)) for t in (start, end))
    return [first, ("L", last)]


# Blue either side of the top strand where it crosses (at 0.29), then the strand again over it, a little
# longer so that no seam shows where the blue ends.
GAP, TOP = on_top(0.1, 0.5), on_top(0.08, 0.52)
MASTER = 1024  # pixels the pictures are drawn at, then scaled down (smooth edges at every size)


def svg_path(segments):
    start, *rest = segments
    commands = [f"M{start[0]:g} {start[1]:g}"]
    for kind, *points in rest:
        commands.append(kind + " ".join(f"{x:g} {y:g}" for x, y in points))
    return "".join(commands)


def points(segments, scale, steps=64):
    """The path as a list of points (Béziers sampled), in pixels."""
    found = [segments[0]]
    for kind, *controls in segments[1:]:
        if kind == "L":
            found.append(controls[0])
            continue
        p0, (p1, p2, p3) = found[-1], controls
        for i in range(1, steps + 1):
            t = i / steps
            a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3
            found.append(
                tuple(a * q0 + b * q1 + c * q2 + d * q3 for q0, q1, q2, q3 in zip(p0, p1, p2, p3, strict=True))
            )
    return [(x * scale, y * scale) for x, y in found]


def band(path, width):
    """One stroke as a polygon (butt ends): its points moved half the width to either side."""
    left, right = [], []
    for i, (x, y) in enumerate(path):
        (x0, y0), (x1, y1) = path[max(i - 1, 0)], path[min(i + 1, len(path) - 1)]
        length = math.hypot(x1 - x0, y1 - y0)
        nx, ny = -(y1 - y0) / length * width / 2, (x1 - x0) / length * width / 2
        left.append((x + nx, y + ny))
        right.append((x - nx, y - ny))
    return left + right[::-1]


def svg():
    ribbon, gap, top = svg_path(RIBBON), svg_path(GAP), svg_path(TOP)
    return f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">
<title>Cancer Immunotherapy Program</title>
<rect width="64" height="64" rx="{CORNER}" fill="{BLUE}"/>
<g fill="none" stroke-linejoin="round">
<path d="{ribbon}" stroke="{GOLD}" stroke-width="{RIBBON_WIDTH}"/>
<path d="{gap}" stroke="{BLUE}" stroke-width="{RIBBON_WIDTH + 4}"/>
<path d="{top}" stroke="{GOLD}" stroke-width="{RIBBON_WIDTH}"/>
</g>
</svg>
"""


def picture(size, *, rounded=True):
    """The icon at size x size pixels. Square corners for Apple's touch icon: iOS rounds them itself."""
    scale = MASTER / 64
    image = Image.new("RGBA", (MASTER, MASTER), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, MASTER - 1, MASTER - 1), radius=CORNER * scale if rounded else 0, fill=BLUE)
    # The path is smooth (each join tangent), so each stroke is one polygon. Where the ribbon crosses
    # itself Pillow may leave a hole; the last two strokes cover that spot.
    for colour, segments, width in [
        (GOLD, RIBBON, RIBBON_WIDTH),
        (BLUE, GAP, RIBBON_WIDTH + 4),
        (GOLD, TOP, RIBBON_WIDTH),
    ]:
        draw.polygon(band(points(segments, scale), width * scale), fill=colour)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "icon.svg").write_text(svg())
    small = [picture(size) for size in (48, 32, 16)]
    small[0].save(OUT / "favicon.ico", format="ICO", sizes=[(48, 48), (32, 32), (16, 16)], append_images=small[1:])
    picture(180, rounded=False).convert("RGB").save(OUT / "apple-touch-icon.png", optimize=True)
    icons = []
    for size in (192, 512):
        picture(size).save(OUT / f"icon-{size}.png", optimize=True)
        icons.append({"src": f"icon-{size}.png", "sizes": f"{size}x{size}", "type": "image/png"})
    manifest = {
        "name": "Cancer Immunotherapy Program",
        "short_name": "Immunotherapy",
        "start_url": "/",
        "icons": icons,
        "theme_color": BLUE,
        "background_color": "#ffffff",
    }
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"Icons written to {OUT}")


if __name__ == "__main__":
    main()

"""The clinic's colour, made legible: WCAG 2.2 contrast ratios, the text colour that reads on
it, and a shade of it that reads as text on white (AA: 4.5:1 for body text)."""

import re

HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
AA = 4.5
DARK_INK = "#1b1f23"
LIGHT_INK = "#ffffff"
DEFAULT = "#2f5d62"


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def _rgb(colour: str) -> tuple[int, int, int]:
    if not HEX.match(colour or ""):
        colour = DEFAULT
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def luminance(colour: str) -> float:
    r, g, b = (_channel(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def ink_on(background: str) -> str:
    """White or near-black, whichever reads better on `background`."""
    if contrast(background, LIGHT_INK) >= contrast(background, DARK_INK):
        return LIGHT_INK
    return DARK_INK


def _hex(rgb) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def readable_on_white(colour: str) -> str:
    """`colour`, darkened step by step until it reads as text on white at AA."""
    rgb = _rgb(colour)
    shade = _hex(rgb)
    factor = 1.0
    while contrast(shade, LIGHT_INK) < AA and factor > 0:
        factor -= 0.05
        shade = _hex(c * factor for c in rgb)
    return shade


def palette(colour: str) -> dict[str, str]:
    """CSS custom properties for the base template: the brand colour (header, buttons), the
    ink on it, and the brand shade used for links and focus rings on the page's white."""
    brand = _hex(_rgb(colour))
    return {"brand": brand, "on_brand": ink_on(brand), "brand_ink": readable_on_white(brand)}

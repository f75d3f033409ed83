"""Where the Streamlit app (``app.py``, ``pages/``, ``ui/``) and the sample data (``sample_data/``) are.

In a checkout they sit at the repository's top level, beside ``evalstore/``. A wheel installs them as the
package ``evalstore_app`` (``pyproject.toml`` maps the top-level folders into it), because a non-editable
install has no checkout to point at. The checkout wins when there is one, so an editable install serves the
files being edited.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

INSTALLED_PACKAGE = "evalstore_app"
CHECKOUT = Path(__file__).resolve().parent.parent


def _is_checkout(folder: Path) -> bool:
    # pyproject.toml tells a checkout from a site-packages folder that happens to hold an app.py
    return (folder / "pyproject.toml").is_file() and (folder / "app.py").is_file()


def bundle_dir() -> Path:
    """The folder holding app.py, pages/, ui/ and sample_data/ (the checkout's top level when there is one)."""
    if _is_checkout(CHECKOUT):
        return CHECKOUT
    try:
        # finds app.py without running it (running it would start drawing a Streamlit page)
        spec = importlib.util.find_spec(f"{INSTALLED_PACKAGE}.app")
    except ModuleNotFoundError:
        spec = None
    if spec is not None and spec.origin:
        return Path(spec.origin).parent
    return CHECKOUT  # neither: callers say which file is missing


def app_path() -> Path:
    return bundle_dir() / "app.py"


def sample_dir() -> Path:
    return bundle_dir() / "sample_data"

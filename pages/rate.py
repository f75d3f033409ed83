"""The rating page (``/rate?token=…``): blinded side-by-side judging."""

from ui.access import require_rater
from ui.rating import rating_page

token, _rater = require_rater()
rating_page(token)

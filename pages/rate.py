"""The rating page (``/rate?token=…``): blinded side-by-side judging."""

from ui.access import require_rater
from ui.rating import rating_page

# the guard resolves the rater session for this run; the rating area takes it over (ui.access.run_session)
token, _session = require_rater()
rating_page(token)

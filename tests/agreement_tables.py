"""Rating tables with missing ratings (units × raters, NaN = not rated) for the incomplete-design agreement tests.

Plain numpy only, so that ``irrcac_reference.py`` can load them in an environment that has irrCAC (which pins
scipy==1.12 and pandas<3, and so cannot share evalstore's environment). Drawn once from a seeded generator
(an item effect plus rater noise, rounded onto the scale, then ratings removed at random) and written out here
so that the data under test is in plain sight. They cover units with one rating, units with none, unequal
numbers of ratings and (``T5_25X6_UNUSED``) a scale value nobody used (2).
"""

import numpy as np

NAN = np.nan

SCALE3 = (-1.0, 0.0, 1.0)
SCALE5 = (-2.0, -1.0, 0.0, 1.0, 2.0)

T3_12X3 = np.array([
    [-1, -1, -1],
    [0, 0, 1],
    [-1, -1, NAN],
    [1, 1, 1],
    [1, NAN, 0],
    [1, NAN, 0],
    [-1, 1, 0],
    [1, 0, 1],
    [-1, -1, NAN],
    [1, NAN, NAN],
    [NAN, 1, 1],
    [NAN, NAN, 0],
])  # ratings per unit: [3, 3, 2, 3, 2, 2, 3, 3, 2, 1, 2, 1]

T3_20X4 = np.array([
    [-1, NAN, NAN, 1],
    [0, 0, 1, 0],
    [1, NAN, NAN, NAN],
    [NAN, 1, NAN, NAN],
    [-1, 0, NAN, NAN],
    [-1, -1, NAN, 0],
    [NAN, NAN, NAN, NAN],
    [NAN, NAN, NAN, NAN],
    [NAN, 0, 1, 1],
    [NAN, NAN, -1, 1],
    [-1, -1, NAN, NAN],
    [0, 0, -1, NAN],
    [NAN, -1, NAN, NAN],
    [-1, 1, -1, 0],
    [NAN, NAN, 1, NAN],
    [NAN, NAN, -1, NAN],
    [NAN, 1, 1, -1],
    [NAN, -1, -1, -1],
    [0, -1, NAN, 0],
    [-1, NAN, 0, NAN],
])  # ratings per unit: [2, 4, 1, 1, 2, 3, 0, 0, 3, 2, 2, 3, 1, 4, 1, 1, 3, 3, 3, 2]

T5_15X5 = np.array([
    [NAN, 0, 1, 1, NAN],
    [1, NAN, 0, NAN, NAN],
    [NAN, 0, 0, -1, NAN],
    [0, NAN, NAN, 1, NAN],
    [2, 2, NAN, 1, NAN],
    [NAN, 2, 1, NAN, 2],
    [NAN, -1, NAN, -2, 0],
    [NAN, 0, 2, 0, NAN],
    [NAN, NAN, NAN, NAN, -2],
    [NAN, -2, NAN, -2, NAN],
    [1, 0, 0, NAN, NAN],
    [0, 0, NAN, -1, NAN],
    [-1, 1, -1, NAN, NAN],
    [NAN, NAN, -2, -1, -2],
    [NAN, NAN, -2, NAN, NAN],
])  # ratings per unit: [3, 2, 3, 2, 3, 3, 3, 3, 1, 2, 3, 3, 3, 3, 1]

T5_25X6_UNUSED = np.array([
    [1, NAN, 0, NAN, NAN, 0],
    [0, 1, NAN, 1, 0, NAN],
    [1, -2, NAN, NAN, NAN, 0],
    [0, -2, 1, 0, -1, NAN],
    [NAN, -1, NAN, NAN, NAN, NAN],
    [NAN, -2, NAN, -2, NAN, -2],
    [0, NAN, NAN, 0, NAN, 1],
    [0, -2, 0, NAN, 1, NAN],
    [NAN, 1, NAN, NAN, 1, 1],
    [NAN, -2, -2, 0, NAN, NAN],
    [NAN, NAN, NAN, NAN, NAN, NAN],
    [NAN, -1, NAN, NAN, -2, -1],
    [NAN, 1, 0, NAN, 1, -2],
    [NAN, -2, -2, -2, NAN, -2],
    [-2, NAN, NAN, -2, NAN, NAN],
    [NAN, NAN, NAN, NAN, NAN, NAN],
    [-1, NAN, -1, NAN, NAN, -2],
    [1, -2, NAN, 1, 1, -1],
    [-1, 1, -1, 1, 0, 1],
    [NAN, NAN, -1, -1, NAN, NAN],
    [NAN, NAN, 0, -2, NAN, 1],
    [NAN, -1, NAN, -1, NAN, -2],
    [NAN, NAN, -2, -1, NAN, -1],
    [NAN, NAN, NAN, -2, -2, -2],
    [-2, -2, 0, NAN, 1, 1],
])  # ratings per unit: [3, 4, 3, 5, 1, 3, 3, 4, 3, 3, 0, 3, 4, 4, 2, 0, 3, 5, 6, 2, 3, 3, 3, 3, 5]

#: name → (units × raters table, the scale's values)
TABLES = {
    "T3_12X3": (T3_12X3, SCALE3),
    "T3_20X4": (T3_20X4, SCALE3),
    "T5_15X5": (T5_15X5, SCALE5),
    "T5_25X6_UNUSED": (T5_25X6_UNUSED, SCALE5),
}

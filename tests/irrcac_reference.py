"""Print irrCAC's Fleiss kappa and Gwet AC1 for the tables in ``agreement_tables.py`` (the expected values in
``test_stats_agreement.py`` were produced by this script).

irrCAC 0.4.4 pins scipy==1.12.0 and needs pandas<3 (with pandas 3 its default category list picks up NaN), while
evalstore needs scipy>=1.13, so it cannot be a test dependency. Run it in an environment of its own:

    python3 -m venv /tmp/irrcac && /tmp/irrcac/bin/pip install irrCAC==0.4.4
    /tmp/irrcac/bin/python tests/irrcac_reference.py

``categories`` is the whole scale, as evalstore counts categories (AC1's q is the scale's size, used or not);
``digits=15`` turns off irrCAC's rounding to 5 digits.
"""

import importlib.metadata
import sys
from pathlib import Path


def main() -> None:
    # Imported here, not at the top: pytest (e.g. with --doctest-modules) may import this file where irrCAC is absent.
    import pandas as pd
    from irrCAC.raw import CAC

    sys.path.insert(0, str(Path(__file__).parent))
    from agreement_tables import TABLES

    print(f"# irrCAC {importlib.metadata.version('irrCAC')}, pandas {pd.__version__}")
    print("IRRCAC = {  # name: (fleiss kappa, fleiss pa, fleiss pe, AC1, AC1 pe)")
    for name, (table, scale) in TABLES.items():
        ratings = pd.DataFrame(table, columns=[f"rater{j}" for j in range(table.shape[1])])
        fleiss = CAC(ratings, categories=list(scale), digits=15).fleiss()["est"]
        ac1 = CAC(ratings, categories=list(scale), digits=15).gwet()["est"]
        values = [fleiss["coefficient_value"], fleiss["pa"], fleiss["pe"], ac1["coefficient_value"], ac1["pe"]]
        print(f'    "{name}": ({", ".join(repr(float(v)) for v in values)}),')
    print("}")


if __name__ == "__main__":
    main()

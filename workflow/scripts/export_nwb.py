"""Write one run as an NWB file.

    python workflow/scripts/export_nwb.py RUN_DIR OUTPUT.nwb
"""

import sys

from astronet.nwb_export import write_nwb
from astronet.results import load_run

if len(sys.argv) != 3:
    sys.exit(__doc__)
write_nwb(load_run(sys.argv[1]), sys.argv[2])
print(f"wrote {sys.argv[2]}")

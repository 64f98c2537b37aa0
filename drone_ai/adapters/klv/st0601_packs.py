"""placeholder"""

from drone_ai.adapters.klv.local_set import ItemSpec

PACK_ITEMS: tuple[ItemSpec, ...] = ()

"""The fit reads the hype and box-ticking of 10k+ offerings in a process pool
(``features.offerings_hype``): the same values, in the same order, as one process gives."""

from __future__ import annotations

import dataclasses

from matchmaking.matching.engine.documents import APP_TYPES, SECTORS
from matchmaking.matching.engine.features import offering_hype, offerings_hype
from tools.bench.matching import Synth


def test_hype_read_in_processes_is_that_of_one_process():
    synth = Synth(seed=5)
    docs = [synth.offering(i) for i in range(10_000 + 700)]  # three chunks, the last uneven
    for i in range(0, len(docs), 7):  # some hype, some boxes ticked with vague text
        docs[i] = dataclasses.replace(
            docs[i],
            description="业界第一，全场景赋能千行百业，准确率100%，颠覆行业的一站式平台",
            sectors=SECTORS if i % 2 else docs[i].sectors,
            app_types=APP_TYPES if i % 2 else docs[i].app_types,
        )
    alone = [offering_hype(doc) for doc in docs]
    assert any(severity > 0 for severity, _ in alone) and any(stuffed for _, stuffed in alone)
    assert offerings_hype(docs, workers=2) == alone

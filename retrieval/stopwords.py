"""Stopword lists for French and English, in accent-folded lowercase form.

They are compared after elision stripping and accent folding, so "était" and "etait" are the
same entry. Interrogatives ("combien", "quel", "who") are stopwords for ranking: they say what
kind of answer is wanted (see :mod:`retrieval.question`), not what the answer is about.
"""

from __future__ import annotations

FRENCH: frozenset[str] = frozenset(
    """
    a ai aie aient aies ait as au aucun aucune aupres auquel aura aurai auraient aurais
    aurait auras aurez auriez aurions aurons auront aussi autre autres aux auxquelles
    auxquels avaient avais avait avant avec avez aviez avions avoir avons ayant ayez
    ayons bon c ca car ce ceci cela celle celles celui cependant certain certaine
    certaines certains ces cet cette ceux chacun chacune chaque chez ci comme comment
    d dans de des desquelles desquels deja donc dont du duquel elle elles en encore entre
    es est et etaient etais etait etant ete etes etiez etions etre eu eue eues eumes eurent
    eus eusse eussent eusses eussiez eussions eut eutes eux fait faites fera ferai
    feraient ferais ferait feras ferez feriez ferions ferons feront fut fumes furent fus
    fusse fussent fusses fussiez fussions futes ici il ils j je jusqu l la laquelle le
    lequel les lesquelles lesquels leur leurs lors lorsqu lui m ma mais me meme memes
    mes moi mon n ne ni nos notre nous on ont ou par parce pas peu peut plupart pour
    pourquoi qu quand que quel quelle quelles quels qui quoi s sa sans se sera serai
    seraient serais serait seras serez seriez serions serons seront ses si sien sienne
    siens soi soient sois soit sommes son sont sous soyez soyons suis sur t ta te tes
    toi ton tous tout toute toutes tres tu un une unes uns vos votre vous y
    combien ou dont voici voila afin ainsi alors apres selon depuis pendant vers via
    cela celui-ci quelqu quelque quelques
    """.split()
)

ENGLISH: frozenset[str] = frozenset(
    """
    a about above after again against all am an and any are aren as at be because been
    before being below between both but by can cannot could couldn did didn do does
    doesn doing don down during each few for from further had hadn has hasn have haven
    having he her here hers herself him himself his how i if in into is isn it its
    itself just let me more most my myself no nor not of off on once only or other
    ought our ours ourselves out over own same shan she should shouldn so some such than
    that the their theirs them themselves then there these they this those through to
    too under until up very was wasn we were weren what when where which while who whom
    why will with won would wouldn you your yours yourself yourselves
    whose many much does tell know
    """.split()
)
"""Common English function words. "new", "open", "source" are deliberately absent:
they carry meaning in tech news ("open source")."""

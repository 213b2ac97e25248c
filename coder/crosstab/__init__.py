"""Cross-tabulations of the coding: any two dimensions (codes, code groups, phases, actors, organisation
types, documents, document attributes, coders) against each other, counted over passages,
characters, words or documents, with co-occurrence, chi-square, the passages behind a cell, presence
matrices and the actor counts that the survey network is set against. `passages` maps the codings
onto passages (numpy arrays, cached per connection), `dimensions` resolves what rows and columns
can be and who counts, `counting` holds the arithmetic of the counting rule, and `tables` makes the
tables. Writing a table to a file is `coder.exports.tables`.
"""

from coder.crosstab.dimensions import (
    NO_VALUE,
    Coders,
    Dimension,
    cell_coders,
    cell_codes,
    choose_coders,
    choose_documents,
    dimension,
    dimension_choices,
)
from coder.crosstab.passages import forget_arrays, study_arrays
from coder.crosstab.result import CrossTab, Grid
from coder.crosstab.tables import (
    MEASURES,
    PERCENTS,
    ActorCounts,
    ChiSquare,
    actor_counts,
    cell_passages,
    chi_square,
    cooccurrence,
    crosstab,
    presence_matrix,
)

__all__ = [
    "MEASURES", "NO_VALUE", "PERCENTS", "ActorCounts", "ChiSquare", "Coders", "CrossTab", "Dimension", "Grid", "actor_counts",
    "cell_codes", "cell_coders", "cell_passages", "chi_square", "choose_coders", "choose_documents", "cooccurrence",
    "crosstab", "dimension", "dimension_choices", "forget_arrays", "presence_matrix", "study_arrays",
]

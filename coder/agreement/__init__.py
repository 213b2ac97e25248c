"""Inter-coder agreement: how far independent coders agree, with numbers a reviewer can reproduce.

Two layers. The coefficients are pure functions on plain data: `metrics` on a units × coders
table (`ratings`: percent agreement, Cohen's κ (plain and weighted), Scott's π, Fleiss' κ, Brennan–Prediger κ,
Krippendorff's α with a bootstrap interval) and `unitized` on coders' character sections (uα,
|uα, cuα, (k)uα, NVivo's comparison), each a `Result` with the counts behind it (`result`). The
study layer reads a subset of the study (`data`), reports per code, per code group and pooled
(`study`: `measure_agreement`, `disagreements`) and saves every table as CSV so R or Python give
the same numbers (`files`). Definitions, references and choices are in docs/agreement.md.
"""

from coder.agreement.data import coders_with_codings
from coder.agreement.files import save
from coder.agreement.metrics import (
    LEVELS,
    bootstrap_alpha,
    brennan_prediger,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
    scott_pi,
    weighted_kappa,
)
from coder.agreement.ratings import Ratings, ratings, stack
from coder.agreement.result import RELIABLE, TENTATIVE, Result, band
from coder.agreement.study import Report, Row, disagreements, measure_agreement
from coder.agreement.unitized import (
    Section,
    Unitized,
    binary_u_alpha,
    cu_alpha,
    nvivo_comparison,
    pool_continua,
    u_alpha,
    unitized,
)

__all__ = [
    "LEVELS", "RELIABLE", "TENTATIVE", "Ratings", "Report", "Result", "Row", "Section", "Unitized", "band", "binary_u_alpha",
    "bootstrap_alpha", "brennan_prediger", "coders_with_codings", "cohen_kappa", "cu_alpha", "disagreements", "fleiss_kappa",
    "krippendorff_alpha", "measure_agreement", "nvivo_comparison", "percent_agreement", "pool_continua", "ratings", "save",
    "scott_pi", "stack", "u_alpha", "unitized", "weighted_kappa",
]

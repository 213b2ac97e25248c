"""The survey network: who passes knowledge to whom, how central each organisation is, and how that
compares with what the coded interviews show the organisations doing. `survey` holds the network
as read (organisations, ties, the relations they rate), `files` reads it from CSV or Pajek files
without the database, `store` puts it in the study and reads it back, `graph` makes it a networkx
graph and writes Pajek or GraphML, and `measures` ranks the organisations (weighted out-degree, the
paper's Table 2) and sets the ranking against the coding, and `members` groups the ties
an association's member firms receive by source (Tables 6.2 and 7.2). docs/network-and-crosstabs.md documents
the file formats and the measures.
"""

from coder.network.files import SURVEY_FOLDER, read_organisations_csv, read_pajek, read_survey, read_ties_csv, survey_files
from coder.network.graph import export_network, pajek_text, survey_graph
from coder.network.measures import ActorActivity, actor_activity, centrality, ego_ties, spearman
from coder.network.members import associations, member_sources
from coder.network.store import (
    SurveyReport,
    import_survey,
    organisation_details,
    organisation_named,
    refresh_survey,
    survey_digest,
    survey_nodes,
    survey_ties,
    tie_count,
)
from coder.network.survey import MAX_RATING, RELATIONS, WEIGHTS, Node, Survey, Tie, tie_weight, weight_name

__all__ = [
    "MAX_RATING", "RELATIONS", "SURVEY_FOLDER", "WEIGHTS", "ActorActivity", "Node", "Survey", "SurveyReport", "Tie",
    "actor_activity", "associations", "centrality", "ego_ties", "export_network", "import_survey", "member_sources", "organisation_details",
    "organisation_named", "pajek_text", "read_organisations_csv", "read_pajek", "read_survey", "read_ties_csv",
    "refresh_survey", "spearman", "survey_digest", "survey_files", "survey_graph", "survey_nodes", "survey_ties",
    "tie_count", "tie_weight", "weight_name",
]

"""Wiring only: the Chalice app, its middleware and its blueprints."""
from chalice import Chalice

from chalicelib import bootstrap
from chalicelib.jobs import analytics_export, journey, schedules, worker
from chalicelib.observability import publishes_metrics, with_lambda_context
from chalicelib.web import (
    admin,
    admin_analytics,
    admin_campaigns,
    admin_connectors,
    admin_deliveries,
    admin_exports,
    admin_feedback,
    admin_jobs,
    admin_journey,
    admin_merges,
    admin_rules,
    dashboard,
    feedback_pages,
    health,
    links,
    public,
    webhooks,
)
from chalicelib.web.errors import normalise_framework_errors

app = Chalice(app_name="loyalty")
app.register_middleware(with_lambda_context, "http")      # the worker and jobs do the same themselves (observed)
app.register_middleware(publishes_metrics(bootstrap.get_metrics), "http")
app.register_middleware(normalise_framework_errors, "http")
for module in (health, webhooks, admin, admin_analytics, admin_rules, admin_exports, admin_connectors, admin_jobs,
               admin_journey, admin_deliveries, admin_merges, admin_feedback, admin_campaigns, public, feedback_pages,
               links, dashboard, worker, schedules, journey, analytics_export):
    app.register_blueprint(module.bp)

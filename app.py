"""Wiring only: the Chalice app, its middleware and its blueprints."""
from chalice import Chalice

from chalicelib import bootstrap
from chalicelib.jobs import journey, schedules, worker
from chalicelib.observability import publishes_metrics, with_lambda_context
from chalicelib.web import (
    admin,
    admin_connectors,
    admin_deliveries,
    admin_exports,
    admin_jobs,
    admin_journey,
    admin_merges,
    admin_rules,
    health,
    public,
    webhooks,
)
from chalicelib.web.errors import normalise_framework_errors

app = Chalice(app_name="loyalty")
app.register_middleware(with_lambda_context, "http")      # the worker and jobs do the same themselves (observed)
app.register_middleware(publishes_metrics(bootstrap.get_metrics), "http")
app.register_middleware(normalise_framework_errors, "http")
app.register_blueprint(health.bp)
app.register_blueprint(webhooks.bp)
app.register_blueprint(admin.bp)
app.register_blueprint(admin_rules.bp)
app.register_blueprint(admin_exports.bp)
app.register_blueprint(admin_connectors.bp)
app.register_blueprint(admin_jobs.bp)
app.register_blueprint(admin_journey.bp)
app.register_blueprint(admin_deliveries.bp)
app.register_blueprint(admin_merges.bp)
app.register_blueprint(public.bp)
app.register_blueprint(worker.bp)
app.register_blueprint(schedules.bp)
app.register_blueprint(journey.bp)

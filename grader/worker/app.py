"""create_celery(settings): the broker, the queues and the delivery guarantees."""

from __future__ import annotations

from celery import Celery
from kombu import Queue

from grader.config import Settings

TASK_NAME = "grader.grade_submission"


def create_celery(settings: Settings) -> Celery:
    if not settings.redis_url:
        raise ValueError("GRADER_REDIS_URL is not set: the queue needs a Redis broker")
    app = Celery("grader", broker=settings.redis_url, set_as_current=False)
    app.conf.update(
        task_queues=[Queue("cpu"), Queue("gpu")],
        task_default_queue="cpu",
        # A message is acknowledged only after the task body returns, and re-queued if the
        # worker process dies under it; each worker takes one message at a time.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # Redis redelivers an unacknowledged message after this long: it must exceed the
        # longest job, or a job still running would be delivered twice (the claim would make
        # the second a no-op, but it would hold a worker).
        broker_transport_options={"visibility_timeout": 2 * settings.job_time_limit_s},
        task_soft_time_limit=settings.job_time_limit_s,
        task_time_limit=settings.job_time_limit_s + 60,
        worker_max_tasks_per_child=settings.worker_max_tasks_per_child,
        task_ignore_result=True,          # grades live in our database, not in Celery's backend
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        broker_connection_timeout=3,
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0.2,
                                   "interval_step": 0.5},
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    from grader.worker.tasks import register

    register(app)
    return app


def make_enqueue(app: Celery):  # noqa: ANN201 - returns service.submissions.Enqueue
    def enqueue(submission_id: int, queue: str, countdown_s: float) -> None:
        app.send_task(TASK_NAME, args=[submission_id], queue=queue,
                      countdown=countdown_s or None)

    return enqueue


def celery_from_env() -> Celery:
    """The Celery app from GRADER_* variables (compose's worker health check pings with it)."""
    from grader.config import get_settings

    return create_celery(get_settings())

"""Use cases that touch the database, the blob store and the queue.

The queue is passed in as a callable (`enqueue(submission_id, queue, countdown_s)`), so nothing
here imports Celery; the API and the worker wire in the real one. Functions here commit: each is
one unit of work, and a submission row is committed before its message is sent.
"""

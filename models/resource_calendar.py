from bisect import bisect_left, bisect_right
from datetime import timedelta

from pytz import utc

from odoo import models

# a calendar that yields no working time within this span cannot plan anything
MAX_PLANNING_DAYS = 3 * 366


class ResourceCalendar(models.Model):
    _inherit = 'resource.calendar'

    def _helpdesk_work_intervals(self, start, end):
        """Working intervals (company leaves deducted) as naive UTC pairs, like the ORM stores datetimes."""
        self.ensure_one()
        intervals = self._work_intervals_batch(utc.localize(start), utc.localize(end))[False]
        return [
            (begin.astimezone(utc).replace(tzinfo=None), stop.astimezone(utc).replace(tzinfo=None))
            for begin, stop, _meta in intervals
        ]

    def _helpdesk_work_hours_batch(self, periods):
        """Working hours of each (start, end) period of naive UTC datetimes.

        One fetch of working intervals serves every period, so a batch of tickets costs two queries per
        calendar rather than two per ticket. Without a calendar every hour counts. A period missing a bound
        (or ending before it starts) counts zero hours.
        """
        valid = [(start, end) for start, end in periods if start and end and end > start]
        if not valid:
            return [0.0] * len(periods)
        if self:
            timeline = _Timeline(self._helpdesk_work_intervals(
                min(start for start, _end in valid), max(end for _start, end in valid)))
            worked = timeline.worked_until
        else:
            worked = lambda moment: (moment - valid[0][0]).total_seconds()  # noqa: E731
        return [
            (worked(end) - worked(start)) / 3600 if start and end and end > start else 0.0
            for start, end in periods
        ]

    def _helpdesk_plan_hours_batch(self, requests):
        """The moment each (start, hours) request has used up its working hours, as naive UTC datetimes.

        The working intervals are fetched once for the whole batch and extended only when a request needs
        more; False when the calendar has no working time at all in the next three years.
        """
        if not requests:
            return []
        if not self:
            return [start + timedelta(hours=hours) for start, hours in requests]
        first = min(start for start, _hours in requests)
        last = max(start for start, _hours in requests)
        # a 40-hour week gives 8 hours a working day: twice that many calendar days leaves room for holidays
        span = timedelta(days=14 + int(max(hours for _start, hours in requests) * 7 / 40 * 2))
        end = last + span
        timeline = _Timeline(self._helpdesk_work_intervals(first, end))
        targets = [(timeline.worked_until(start) + max(hours, 0.0) * 3600) if hours > 0 else None
                   for start, hours in requests]
        while any(t is not None and t > timeline.total for t in targets) and (end - first).days < MAX_PLANNING_DAYS:
            next_end = end + span
            timeline.extend(self._helpdesk_work_intervals(end, next_end))
            end, span = next_end, span * 2
        return [
            start if target is None else timeline.moment_at(target)
            for (start, _hours), target in zip(requests, targets)
        ]

    def _helpdesk_hours_ago(self, now, hours):
        """The moment, as a naive UTC datetime, from which `hours` working hours have passed at `now`:
        whatever happened before it is at least that many working hours old. False when the calendar has no
        that much working time in the last three years."""
        if not self:
            return now - timedelta(hours=hours)
        span = timedelta(days=14 + int(hours * 7 / 40 * 2))
        start = now - span
        while True:
            timeline = _Timeline(self._helpdesk_work_intervals(start, now))
            if timeline.total >= hours * 3600:
                return timeline.moment_at(timeline.total - hours * 3600)
            if (now - start).days >= MAX_PLANNING_DAYS:
                return False
            span *= 2
            start = now - span


class _Timeline:
    """Sorted working intervals with running totals: worked seconds at a moment, and the reverse."""

    def __init__(self, intervals):
        self.starts, self.stops, self.before, self.ends = [], [], [], []
        self.total = 0.0
        self.extend(intervals)

    def extend(self, intervals):
        for begin, stop in intervals:
            if stop <= begin:
                continue
            self.starts.append(begin)
            self.stops.append(stop)
            self.before.append(self.total)
            self.total += (stop - begin).total_seconds()
            self.ends.append(self.total)

    def worked_until(self, moment):
        """Working seconds between the start of the timeline and the moment."""
        index = bisect_right(self.starts, moment) - 1
        if index < 0:
            return 0.0
        return self.before[index] + (min(moment, self.stops[index]) - self.starts[index]).total_seconds()

    def moment_at(self, worked):
        """The first moment at which the given working seconds are done; False beyond the timeline."""
        if worked > self.total:
            return False
        index = bisect_left(self.ends, worked)
        return self.starts[index] + timedelta(seconds=worked - self.before[index])

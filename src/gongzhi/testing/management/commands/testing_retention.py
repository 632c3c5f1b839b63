"""`gongzhi testing-retention ROUND [--archive DIR] [--drop | --drop-without-archive]`: write a
closed round's tubes, samples, recalls, held results and scan batches out, and remove them from the
database (testing.services.retention). Without an action it shows the round's rows and partitions and
whether they could go."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.errors import ApplicationError
from gongzhi.testing.models import Round
from gongzhi.testing.services import partitions, retention


class Command(BaseCommand):
    help = (
        "Archive a closed round's tubes, samples, recalls, held results and scan batches (--archive DIR: a"
        " gzip-compressed CSV per table and a manifest with row counts and checksums, read back and verified),"
        " then remove them (--drop: on PostgreSQL the round's partitions are detached and dropped). Audited."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "round_key", metavar="ROUND", help="the round's public id (as in its URL) or its numeric id"
        )
        parser.add_argument("--archive", metavar="DIR", type=Path, help="write the round's rows under DIR")
        parser.add_argument(
            "--drop", action="store_true", help="remove the rows after the archive was written and verified"
        )
        parser.add_argument(
            "--drop-without-archive", action="store_true", help="remove the rows with no archive (explicitly)"
        )
        parser.add_argument("--by", metavar="USERNAME", help="the account recorded in the audit log as doing it")
        parser.add_argument("--batch-size", type=int, default=retention.BATCH, help="rows a batch (SQLite)")

    def handle(self, *args, round_key, archive, drop, drop_without_archive, by, batch_size, **options):
        round_ = self._round(round_key)
        actor = None
        if by:
            actor = get_user_model().objects.filter(username=by, is_active=True).first()
            if actor is None:
                raise CommandError(f"no active account {by!r}")
        if drop and drop_without_archive:
            raise CommandError("--drop and --drop-without-archive: choose one")
        if drop and archive is None:
            raise CommandError(
                "--drop removes rows only after --archive DIR wrote them (or say --drop-without-archive)"
            )
        if archive is None and not (drop or drop_without_archive):
            self._show(round_)
            return
        try:
            done = retention.round_retain(
                actor=actor,
                round_=round_,
                archive_to=archive,
                remove=drop or drop_without_archive,
                without_archive=drop_without_archive,
                batch_size=max(1, batch_size),
            )
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from None
        if done.directory is not None:
            self.stdout.write(f"archive: {done.directory}")
            for f in done.files:
                self.stdout.write(f"  {f.file}: {f.rows} rows, {f.bytes} bytes, sha256 {f.sha256}")
            self.stdout.write(f"  manifest.json: sha256 {done.manifest_sha256} (rows read back and verified)")
        for table, n in done.removed.items():
            self.stdout.write(f"removed {table}: {n} rows")
        for name in done.dropped:
            self.stdout.write(f"dropped partition {name}")
        if done.removed:
            self.stdout.write(f"rollup rows recounted: {done.progress_recounted}")

    def _round(self, key: str) -> Round:
        round_ = Round.objects.filter(public_id=key).first()
        if round_ is None and key.isdecimal():
            round_ = Round.objects.filter(pk=int(key)).first()
        if round_ is None:
            raise CommandError(f"no round {key!r}")
        return round_

    def _show(self, round_: Round) -> None:
        self.stdout.write(f"round {round_.public_id} ({round_.pk}) {round_.name}: {round_.status}")
        if round_.archived_at:
            self.stdout.write(f"archived and removed at {round_.archived_at.isoformat()}")
        for table, n in retention.round_rows(round_).items():
            self.stdout.write(f"  {table}: {n} rows")
        for model in partitions.PARTITIONED:
            if partitions.is_partitioned(model):
                own = partitions.partition_of(model, round_.pk)
                self.stdout.write(f"  {model._meta.db_table}: partition {own or '(none: the default partition)'}")
        if round_.archived_at is None:
            refusal = retention.retention_refusal(round_, removing=True)
            self.stdout.write(f"may be archived and removed: {'no: ' + refusal if refusal else 'yes'}")

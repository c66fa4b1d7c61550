"""Scale-out: the same Ibis expressions run on PySpark (local mode, two cores) and give the
reference's lines and bills, exactly as DuckDB does. Needs Java 17; CI installs it and sets
FRIVALG_REQUIRE_SPARK so that a missing Java fails instead of skipping."""

import os
import shutil

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from frivalg.settlements import engine, reference
from frivalg.settlements.tests.snapshots import snapshots

HAVE_JAVA = shutil.which("java") is not None

pytestmark = [
    pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="no database involved: run once, in the SQLite pass"),
    pytest.mark.skipif(not HAVE_JAVA and not os.environ.get("FRIVALG_REQUIRE_SPARK"),
                       reason="Java is not installed: apt-get install openjdk-17-jre-headless"),
]


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    import ibis
    from pyspark.sql import SparkSession

    warehouse = tmp_path_factory.mktemp("spark-warehouse")
    session = (SparkSession.builder.master("local[2]").appName("frivalg-tests")
               .config("spark.sql.warehouse.dir", str(warehouse))
               .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={warehouse}")
               .config("spark.sql.shuffle.partitions", "2").config("spark.ui.enabled", "false")
               .config("spark.sql.session.timeZone", "UTC").config("spark.ui.showConsoleProgress", "false")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield ibis.pyspark.connect(session)
    session.stop()


@settings(max_examples=2, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(snapshots(max_visits=50))
def test_spark_gives_the_same_lines_and_bills_as_the_reference(spark, snapshot):
    expected_lines, expected_bills = reference.settle(snapshot)
    lines, bills = engine.run(snapshot, spark)
    assert lines.to_pylist() == expected_lines.to_pylist()
    assert bills.to_pylist() == expected_bills.to_pylist()

// FlowLabelPool: one copy per distinct label set, alive while a flow holds it.

#include "agent/usage/flow_labels.h"

#include <catch2/catch.hpp>

using namespace tillid::usage;

TEST_CASE("Flows with the same labels share one copy until the last lets go", "[usage][labels]") {
  FlowLabelPool pool;
  const FlowLabels netflix{"NetFlix", "Video", "nflxvideo.net", "firefox", "anna"};
  FlowLabels other = netflix;
  other.user = "bo";

  const FlowLabels* a = pool.acquire(netflix);
  const FlowLabels* b = pool.acquire(netflix);
  const FlowLabels* c = pool.acquire(other);
  CHECK(a == b);
  CHECK(a != c);
  CHECK(*a == netflix);
  CHECK(*c == other);
  CHECK(pool.size() == 2);

  pool.release(a);
  CHECK(pool.size() == 2);
  CHECK(b->destination == "nflxvideo.net");  // still held by b
  pool.release(b);
  CHECK(pool.size() == 1);
  pool.release(c);
  CHECK(pool.size() == 0);

  const FlowLabels* again = pool.acquire(netflix);
  CHECK(*again == netflix);
  CHECK(pool.size() == 1);
}

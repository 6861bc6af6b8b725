// vault::Client keeps one kept-alive connection: after vaultd closes it (its
// idle timeout, a restart) the next call reconnects, and calls that are not
// safe to repeat are never sent twice.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/client/client_fixture.h"

namespace vault::testing {
namespace {

// vaultd closes a connection that has waited this long for a request.
class ClientIdleTest : public ClientTest {
 protected:
  ClientIdleTest() : ClientTest({"--idle-timeout", "300ms"}) {}

  // Waits until vaultd has closed the client's connection for idling: one
  // more idle timeout than now (the probes never idle).
  void WaitUntilTheClientsConnectionIsClosed() {
    ASSERT_TRUE(WaitForIdleTimeouts(IdleTimeouts() + 1));
  }
};

TEST_F(ClientIdleTest, EveryRepeatableCallReconnectsAfterAnIdleClose) {
  const std::string id = NewTranscript(1);
  ASSERT_FALSE(id.empty());

  ASSERT_NO_FATAL_FAILURE(WaitUntilTheClientsConnectionIsClosed());
  auto appended = client().AppendMessage(id, MakeMessage(1, "after an idle close"));
  ASSERT_OK(appended);
  EXPECT_EQ(*appended, AppendOutcome::kStored);

  ASSERT_NO_FATAL_FAILURE(WaitUntilTheClientsConnectionIsClosed());
  auto transcript = client().GetTranscript(id);
  ASSERT_OK(transcript);
  EXPECT_EQ(transcript->messages.size(), 2u);

  ASSERT_NO_FATAL_FAILURE(WaitUntilTheClientsConnectionIsClosed());
  EXPECT_OK(client().CloseTranscript(id));

  ASSERT_NO_FATAL_FAILURE(WaitUntilTheClientsConnectionIsClosed());
  EXPECT_OK(client().Health());

  ASSERT_NO_FATAL_FAILURE(WaitUntilTheClientsConnectionIsClosed());
  EXPECT_OK(client().GetAuditStatus());

  ASSERT_NO_FATAL_FAILURE(WaitUntilTheClientsConnectionIsClosed());
  EXPECT_OK(client().GetRetentionStatus());

  // Each wait above saw the client's connection closed once more: six.
  EXPECT_GE(IdleTimeouts(), 6.0);
}

// A create, a backup and a request filing are never sent twice by the
// client. After an idle close each either succeeds once or fails with
// Unavailable having done nothing.
TEST_F(ClientIdleTest, CallsThatAreNotRepeatableAreDoneAtMostOnceAfterAnIdleClose) {
  ASSERT_OK(client().Health());
  const size_t opens_before = AccessRecords("transcript.open").size();
  ASSERT_NO_FATAL_FAILURE(WaitUntilTheClientsConnectionIsClosed());
  vault::NewTranscript request;
  request.service = "svc";
  auto created = client().CreateTranscript(request);
  if (!created.ok()) {
    EXPECT_EQ(created.status().code(), Status::Code::kUnavailable) << created.status().ToString();
  }
  EXPECT_EQ(AccessRecords("transcript.open").size(), opens_before + (created.ok() ? 1 : 0));

  const size_t backups_before = AccessRecords("vault.backup").size();
  ASSERT_NO_FATAL_FAILURE(WaitUntilTheClientsConnectionIsClosed());
  const std::string dir = daemon_.test_dir() + "/backup";
  const Status backup = client().Backup(dir);
  if (!backup.ok()) {
    EXPECT_EQ(backup.code(), Status::Code::kUnavailable) << backup.ToString();
  }
  // A backup that ran writes two records ("started", then "ok").
  EXPECT_EQ(AccessRecords("vault.backup").size(), backups_before + (backup.ok() ? 2 : 0));
  EXPECT_EQ(std::filesystem::exists(dir + "/BACKUP.json"), backup.ok());
}

// Likewise a registration in the rights register: a second would be a
// second entry with its own clock.
TEST_F(ClientIdleTest, ARightsRegistrationIsDoneAtMostOnceAfterAnIdleClose) {
  ASSERT_OK(client().Health());
  const size_t before = AccessRecords("rights.register").size();
  ASSERT_NO_FATAL_FAILURE(WaitUntilTheClientsConnectionIsClosed());
  RightsRegistration registration;
  registration.kind = RightsKind::kAccess;
  auto entry = client().RegisterRightsRequest(registration);
  if (!entry.ok()) {
    EXPECT_EQ(entry.status().code(), Status::Code::kUnavailable) << entry.status().ToString();
  }
  EXPECT_EQ(AccessRecords("rights.register").size(), before + (entry.ok() ? 1 : 0));
  auto all = client().ListRightsRequests(RightsListing::kAll);
  ASSERT_OK(all);
  EXPECT_EQ(all->size(), entry.ok() ? 1u : 0u);
}

// Regression: a create (likewise a backup, a request filing or an approval)
// sent on a kept-alive connection that vaultd closed while it was idle
// failed with Unavailable ("request failed: Broken pipe"), although vaultd
// never saw it: the client wrote on the dead connection and would not retry
// a call that is not safe to repeat. The client now checks a reused
// connection for end-of-stream before sending on it and reconnects first.
TEST_F(ClientIdleTest, ACreateAfterAnIdleCloseReconnectsAndSucceeds) {
  ASSERT_OK(client().Health());
  ASSERT_NO_FATAL_FAILURE(WaitUntilTheClientsConnectionIsClosed());
  vault::NewTranscript request;
  request.service = "svc";
  EXPECT_OK(client().CreateTranscript(request));
  ASSERT_OK(client().Health());  // a connection to idle on, whatever happened above
  ASSERT_NO_FATAL_FAILURE(WaitUntilTheClientsConnectionIsClosed());
  EXPECT_OK(client().Backup(daemon_.test_dir() + "/backup"));
}

TEST_F(ClientTest, TheClientReconnectsAfterARestartAndReadsWhatWasWritten) {
  const std::string id = NewTranscript(2);
  ASSERT_OK(daemon_.Restart());
  auto transcript = client().GetTranscript(id);  // on a new connection
  ASSERT_OK(transcript);
  ASSERT_EQ(transcript->messages.size(), 2u);
  EXPECT_EQ(transcript->messages[1].text, "message 1");

  ASSERT_OK(daemon_.Restart());
  EXPECT_OK(client().AppendMessage(id, MakeMessage(2, "after two restarts")));
  ASSERT_OK(daemon_.Restart());
  EXPECT_OK(client().CloseTranscript(id));
  auto closed = client().GetTranscript(id);
  ASSERT_OK(closed);
  EXPECT_EQ(closed->info.state, TranscriptState::kClosed);
  EXPECT_EQ(closed->messages.size(), 3u);
}

// The same regression as ACreateAfterAnIdleCloseReconnectsAndSucceeds, after
// a restart: vaultd closed the connection at shutdown, between requests.
TEST_F(ClientTest, ACreateRightAfterARestartReconnectsAndSucceeds) {
  ASSERT_OK(client().Health());
  ASSERT_OK(daemon_.Restart());
  vault::NewTranscript request;
  request.service = "svc";
  EXPECT_OK(client().CreateTranscript(request));
}

TEST_F(ClientTest, WhileVaultdIsDownCallsFailCleanlyAndResumeWhenItIsBack) {
  const std::string id = NewTranscript(1);
  ASSERT_EQ(daemon_.Stop(), 0) << daemon_.ReadLog();
  for (int i = 0; i < 2; ++i) {  // on the dead connection, then with nothing to connect to
    const Status down = client().Health();
    EXPECT_EQ(down.code(), Status::Code::kUnavailable) << down.ToString();
    EXPECT_NE(down.message().find(daemon_.socket_path()), std::string::npos) << down.message();
  }
  EXPECT_EQ(client().GetTranscript(id).status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(Client::Connect(daemon_.socket_path()).status().code(), Status::Code::kUnavailable);

  ASSERT_OK(daemon_.Start());
  auto transcript = client().GetTranscript(id);
  ASSERT_OK(transcript);
  EXPECT_EQ(transcript->messages.size(), 1u);
  vault::NewTranscript request;
  request.service = "svc";
  EXPECT_OK(client().CreateTranscript(request));  // the connection is fresh
}

}  // namespace
}  // namespace vault::testing

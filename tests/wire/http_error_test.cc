// Status <-> HTTP error mapping, both directions.
#include "vault/wire/http_error.h"

#include <gtest/gtest.h>

namespace vault {
namespace {

using Code = Status::Code;

TEST(HttpErrorTest, MapsEveryCode) {
  EXPECT_EQ(HttpStatusFor(Code::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(Code::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(Code::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(Code::kFailedPrecondition), 409);
  EXPECT_EQ(HttpStatusFor(Code::kGone), 410);
  EXPECT_EQ(HttpStatusFor(Code::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(Code::kResourceExhausted), 413);
  EXPECT_EQ(HttpStatusFor(Code::kCorruption), 500);
  EXPECT_EQ(HttpStatusFor(Code::kIOError), 503);
  EXPECT_EQ(HttpStatusFor(Code::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(Code::kInternal), 500);
  EXPECT_EQ(HttpStatusFor(Code::kInsufficientStorage), 507);
}

TEST(HttpErrorTest, ReasonFallsBackToTheCodeName) {
  EXPECT_EQ(ReasonOf(Status(Code::kGone, "m")), "gone");
  EXPECT_EQ(ReasonOf(Status(Code::kIOError, "m")), "io_error");
  EXPECT_EQ(ReasonOf(Status::FailedPrecondition("m", "transcript_closed")), "transcript_closed");
}

TEST(HttpErrorTest, EncodesTheErrorObject) {
  EXPECT_EQ(EncodeError("not_found", "no \"such\" thing"),
            R"({"error":{"code":"not_found","message":"no \"such\" thing"}})");
}

TEST(HttpErrorTest, ErrorResponsesMapBackToTheirStatus) {
  const Status originals[] = {
      Status::InvalidArgument("bad", "invalid_seq"),
      Status::NotFound("none"),
      Status::AlreadyExists("used", "seq_conflict"),
      Status::AlreadyExists("taken", "case_exists"),
      Status::AlreadyExists("taken", "officer_exists"),
      Status::AlreadyExists("taken"),
      Status::FailedPrecondition("closed", "transcript_closed"),
      Status::FailedPrecondition("held", "legal_hold"),
      Status::FailedPrecondition("used", "request_used"),
      Status::FailedPrecondition("twice", "already_approved"),
      Status::FailedPrecondition("open", "transcript_open"),
      Status::Gone("shredded"),
      Status::PermissionDenied("no"),
      Status::ResourceExhausted("big"),
      Status::Corruption("bad bytes"),
      Status::IOError("disk"),
      Status::Unavailable("later"),
      Status::Internal("bug"),
      Status::InsufficientStorage("disk nearly full"),
  };
  for (const Status& original : originals) {
    const Status back = StatusFromHttpError(HttpStatusFor(original.code()),
                                            EncodeError(ReasonOf(original), original.message()));
    EXPECT_EQ(back.code(), original.code()) << original.ToString();
    EXPECT_EQ(back.reason(), original.reason());
    EXPECT_EQ(back.message(), original.message());
  }
}

TEST(HttpErrorTest, NonJsonErrorBodyStillGivesAStatus) {
  const Status status = StatusFromHttpError(502, "<html>bad gateway</html>");
  EXPECT_EQ(status.code(), Code::kInternal);
  EXPECT_FALSE(status.reason().empty());
  EXPECT_NE(status.message().find("502"), std::string::npos);
}

}  // namespace
}  // namespace vault

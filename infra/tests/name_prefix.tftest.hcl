# Issue #7 item 3: the longest allowed name_prefix (26 characters) plans in every region the
# stack accepts, and one character more is refused (the opt-in Regions, which variables.tf
# refuses, are in region.tftest.hcl). Bucket names are <prefix>-<role>-<12-digit account>-<region>;
# S3 allows 63 characters and the provider refuses longer names at plan time.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  region = "us-east-1"
  # A test public key (its private half was discarded): CloudFront verifies /media/* with it.
  media_signing_public_keys = {
    k1 = <<-PEM
      -----BEGIN PUBLIC KEY-----
      MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEtnxgU3uP2zDbeopODbzPmonDvMkb
      INC+vYGAtHvsiedh0RjSDBqyDRPkPkzIrtDEA7z+66yEv9lfL5L7ghjwiQ==
      -----END PUBLIC KEY-----
    PEM
  }
}

run "longest_name_prefix_is_refused_one_longer" {
  command = plan
  variables {
    name_prefix = "abcdefghij-klmnopqrst-uvwxy"
  }
  expect_failures = [var.name_prefix]
}

run "longest_name_prefix_us_east_1" {
  command = plan
  variables {
    region      = "us-east-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_us_east_2" {
  command = plan
  variables {
    region      = "us-east-2"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_us_west_1" {
  command = plan
  variables {
    region      = "us-west-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_us_west_2" {
  command = plan
  variables {
    region      = "us-west-2"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_ap_south_1" {
  command = plan
  variables {
    region      = "ap-south-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_ap_southeast_1" {
  command = plan
  variables {
    region      = "ap-southeast-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_ap_southeast_2" {
  command = plan
  variables {
    region      = "ap-southeast-2"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_ap_northeast_1" {
  command = plan
  variables {
    region      = "ap-northeast-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_ap_northeast_2" {
  command = plan
  variables {
    region      = "ap-northeast-2"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_ap_northeast_3" {
  command = plan
  variables {
    region      = "ap-northeast-3"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_ca_central_1" {
  command = plan
  variables {
    region      = "ca-central-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_eu_central_1" {
  command = plan
  variables {
    region      = "eu-central-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_eu_west_1" {
  command = plan
  variables {
    region      = "eu-west-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_eu_west_2" {
  command = plan
  variables {
    region      = "eu-west-2"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_eu_west_3" {
  command = plan
  variables {
    region      = "eu-west-3"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_eu_north_1" {
  command = plan
  variables {
    region      = "eu-north-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_sa_east_1" {
  command = plan
  variables {
    region      = "sa-east-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_us_gov_east_1" {
  command = plan
  variables {
    region      = "us-gov-east-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_us_gov_west_1" {
  command = plan
  variables {
    region      = "us-gov-west-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_cn_north_1" {
  command = plan
  variables {
    region      = "cn-north-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_cn_northwest_1" {
  command = plan
  variables {
    region      = "cn-northwest-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

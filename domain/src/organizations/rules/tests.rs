use super::*;

fn principal(roles: &[(Role, &str)]) -> Principal {
    crate::access::test_principal(7, roles)
}

fn serving(paths: &[&str]) -> Vec<ServiceArea> {
    paths
        .iter()
        .map(|p| ServiceArea {
            id: AreaId(5),
            path: (*p).to_owned(),
        })
        .collect()
}

#[test]
fn contact_numbers_are_normalised_and_masked_for_the_public() {
    assert_eq!(
        normalize_contact_phone(Some("+86 138-0013-8000")),
        Ok(Some("13800138000".into()))
    );
    assert_eq!(
        normalize_contact_phone(Some("0916-2345678")),
        Ok(Some("09162345678".into()))
    );
    assert_eq!(normalize_contact_phone(Some("  ")), Ok(None));
    for bad in ["12345", "0012345678901", "0916-23456x8", "99162345678"] {
        assert_eq!(
            normalize_contact_phone(Some(bad)),
            Err(InputError::MalformedContactPhone),
            "{bad}"
        );
    }
    assert_eq!(mask_contact_phone("13800138000"), "138****8000");
    assert_eq!(mask_contact_phone("09162345678"), "0916****78");
    assert_eq!(mask_contact_phone("123"), "****");
}

#[test]
fn every_broken_field_of_a_new_organization_is_reported_at_once() {
    let errors = check_new_organization(
        OrganizationKind::Charity,
        "  ",
        Some(&"x".repeat(129)),
        Some(&"长".repeat(2001)),
        Some("12345"),
        &[],
    )
    .expect_err("invalid");
    let fields: Vec<_> = errors.iter().map(InputError::field).collect();
    assert_eq!(
        fields,
        [
            "name_zh",
            "name_en",
            "description",
            "contact_phone",
            "service_area_ids"
        ]
    );
    let ok = check_new_organization(
        OrganizationKind::VolunteerTeam,
        " 东关社区志愿服务队 ",
        Some(""),
        None,
        None,
        &[9, 3, 9],
    )
    .expect("valid");
    assert_eq!(ok.name_zh, "东关社区志愿服务队");
    assert_eq!(ok.name_en, None);
    assert_eq!(ok.service_area_ids, [AreaId(3), AreaId(9)]);
}

#[test]
fn staff_over_a_served_community_verify_and_see_private_details_others_do_not() {
    let areas = serving(&["/1/2/5/"]);
    let community_staff = principal(&[(Role::CommunityStaff, "/1/2/5/")]);
    let street_admin = principal(&[(Role::StreetAdmin, "/1/2/")]);
    let other_street = principal(&[(Role::StreetAdmin, "/1/3/")]);
    let social_worker = principal(&[(Role::SocialWorker, "/1/2/5/")]);
    let grid_worker = principal(&[(Role::GridWorker, "/1/2/5/9/")]);
    for verifier in [&community_staff, &street_admin] {
        let standing = Standing::of(verifier, None, &areas);
        assert_eq!(standing.check_verifier(), Ok(()));
        assert!(standing.sees_private());
    }
    let standing = Standing::of(&social_worker, None, &areas);
    assert_eq!(standing.check_verifier(), Err(Refusal::NotVerifier));
    assert!(standing.sees_private());
    for outsider in [&other_street, &grid_worker] {
        let standing = Standing::of(outsider, None, &areas);
        assert_eq!(standing.check_verifier(), Err(Refusal::NotVerifier));
        assert_eq!(standing.check_sees_members(), Err(Refusal::MembersHidden));
        assert!(!standing.sees_private());
    }
}

#[test]
fn admins_manage_and_members_may_only_leave() {
    let person = principal(&[]);
    let admin = Standing::of(&person, Some(MemberRole::Admin), &[]);
    let leader = Standing::of(&person, Some(MemberRole::Leader), &[]);
    let outsider = Standing::of(&person, None, &[]);
    assert_eq!(admin.check_admin(), Ok(()));
    assert_eq!(admin.check_removes(UserId(99)), Ok(()));
    assert_eq!(leader.check_admin(), Err(Refusal::NotAdmin));
    assert_eq!(leader.check_removes(UserId(7)), Ok(()));
    assert_eq!(leader.check_removes(UserId(99)), Err(Refusal::NotAdmin));
    assert_eq!(outsider.check_removes(UserId(7)), Err(Refusal::NotAdmin));
    assert_eq!(leader.check_sees_members(), Ok(()));
}

#[test]
fn renaming_or_moving_needs_verification_again_describing_does_not() {
    let organization = Organization {
        id: super::super::OrganizationId(1),
        kind: OrganizationKind::SocialOrg,
        name_zh: "阳光社工".into(),
        name_en: None,
        description: String::new(),
        contact_phone: None,
        service_areas: serving(&["/1/2/5/"]),
        verification: None,
        created_at: chrono::NaiveDateTime::default(),
        updated_at: chrono::NaiveDateTime::default(),
    };
    let describe = ProfileChanges {
        description: Some("新的介绍".into()),
        name_zh: Some("阳光社工".into()),
        service_area_ids: Some(vec![AreaId(5)]),
        ..ProfileChanges::default()
    };
    assert!(!needs_reverification(&organization, &describe));
    let rename = ProfileChanges {
        name_zh: Some("月光社工".into()),
        ..ProfileChanges::default()
    };
    assert!(needs_reverification(&organization, &rename));
    let mv = ProfileChanges {
        service_area_ids: Some(vec![AreaId(5), AreaId(6)]),
        ..ProfileChanges::default()
    };
    assert!(needs_reverification(&organization, &mv));
}

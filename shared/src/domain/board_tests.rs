use super::*;

fn input(id: &str) -> TileInput {
    serde_json::from_value(json!({
        "id": id, "asset_id": "01JD0000000000000000000000-0", "x": 10, "y": 20, "w": 200, "h": 150, "z": 1
    }))
    .unwrap()
}

fn tid(s: &str) -> TileId {
    TileId::parse(s).unwrap()
}

fn tiles(n: usize) -> Vec<Tile> {
    let v: Vec<TileInput> = (0..n)
        .map(|i| {
            let mut t = input(&format!("t{i}"));
            t.x = 10.0 + ((i % 100) as f64) * 250.0;
            t
        })
        .collect();
    check_tiles(&v).unwrap()
}

#[test]
fn names_are_trimmed_bounded_and_printable() {
    assert_eq!(check_name("  Moodboard  ").unwrap(), "Moodboard");
    assert_eq!(check_name(&"é".repeat(80)).unwrap().chars().count(), 80);
    for bad in ["", "   ", "a\u{7}b", "tab\there", "line\nbreak"] {
        assert_eq!(check_name(bad).unwrap_err().field, "name", "{bad:?}");
    }
    assert!(check_name(&"x".repeat(81)).unwrap_err().message.contains("80"));
}

#[test]
fn tile_ids_have_a_fixed_pattern() {
    assert!(TileId::parse("a").is_some());
    assert!(TileId::parse("Abc_09-xyzXYZ123").is_some());
    for bad in ["", "a b", "a#b", "é", "12345678901234567"] {
        assert!(TileId::parse(bad).is_none(), "{bad:?}");
    }
}

#[test]
fn every_tile_rule_names_its_field() {
    type Change = Box<dyn Fn(&mut TileInput)>;
    let cases: Vec<(Change, &str)> = vec![
        (Box::new(|t| t.id = "bad id".into()), "tiles[1].id"),
        (Box::new(|t| t.id = "t0".into()), "tiles[1].id"),
        (Box::new(|t| t.asset_id = "nope".into()), "tiles[1].asset_id"),
        (Box::new(|t| t.x = 100_001.0), "tiles[1].x"),
        (Box::new(|t| t.y = -100_001.0), "tiles[1].y"),
        (Box::new(|t| t.x = f64::NAN), "tiles[1].x"),
        (Box::new(|t| t.y = f64::INFINITY), "tiles[1].y"),
        (Box::new(|t| t.w = 39.0), "tiles[1].w"),
        (Box::new(|t| t.h = 4001.0), "tiles[1].h"),
        (Box::new(|t| t.z = -1.0), "tiles[1].z"),
        (Box::new(|t| t.linked_from = Some("t1".into())), "tiles[1].linked_from"),
        (Box::new(|t| t.linked_from = Some("#".into())), "tiles[1].linked_from"),
    ];
    for (change, field) in cases {
        let mut second = input("t1");
        change(&mut second);
        let err = check_tiles(&[input("t0"), second]).unwrap_err();
        assert_eq!(err.field, field, "{}", err.message);
    }
    let too_many: Vec<TileInput> = (0..=MAX_TILES).map(|i| input(&format!("t{i}"))).collect();
    assert_eq!(check_tiles(&too_many).unwrap_err().field, "tiles");
}

#[test]
fn numbers_are_rounded_to_whole_pixels_and_links_kept() {
    let mut t = input("b");
    t.x = -12.4;
    t.y = 7.6;
    t.linked_from = Some("a".into());
    let out = check_tiles(&[input("a"), t]).unwrap();
    assert_eq!((out[1].x, out[1].y), (-12, 8));
    assert_eq!(out[1].linked_from, Some(tid("a")));
    assert_eq!(out[0].linked_from, None);
}

#[test]
fn move_and_resize_clamp_to_the_limits() {
    let mut v = tiles(2);
    let mut ops = Tiles(&mut v);
    ops.move_by(&tid("t0"), 5, -7).unwrap();
    assert_eq!((ops.0[0].x, ops.0[0].y), (15, 13));
    ops.move_by(&tid("t0"), i64::MAX, i64::MIN).unwrap();
    assert_eq!((ops.0[0].x, ops.0[0].y), (COORD_LIMIT, -COORD_LIMIT));
    ops.resize(&tid("t1"), 1, 99_999).unwrap();
    assert_eq!((ops.0[1].w, ops.0[1].h), (MIN_TILE_SIZE, MAX_TILE_SIZE));
    assert_eq!(ops.move_by(&tid("zz"), 1, 1), Err(TileOpError::NoSuchTile("zz".into())));
}

#[test]
fn duplicate_offsets_a_copy_on_top_and_delete_removes() {
    let mut v = tiles(2);
    let mut ops = Tiles(&mut v);
    let copy = ops.duplicate(&tid("t0"), tid("c")).unwrap().clone();
    assert_eq!((copy.x, copy.y, copy.w, copy.h), (10 + GAP, 20 + GAP, 200, 150));
    assert_eq!(copy.z, 2, "above every other tile");
    assert_eq!(ops.duplicate(&tid("t0"), tid("c")), Err(TileOpError::IdTaken("c".into())));
    assert_eq!(ops.delete(&tid("t0")).unwrap().id, tid("t0"));
    assert_eq!(ops.0.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), ["t1", "c"]);
    let mut full = tiles(MAX_TILES);
    assert_eq!(Tiles(&mut full).duplicate(&tid("t0"), tid("new")), Err(TileOpError::Full));
}

#[test]
fn place_beside_lands_right_of_the_source_linked_and_past_neighbours() {
    let mut v = tiles(1);
    let asset = AssetId::parse("01JD0000000000000000000001-0").unwrap();
    let mut ops = Tiles(&mut v);
    let t = ops.place_beside(&tid("t0"), tid("v1"), asset.clone()).unwrap().clone();
    assert_eq!((t.x, t.y, t.w, t.h), (10 + 200 + GAP, 20, 200, 150));
    assert_eq!(t.linked_from, Some(tid("t0")));
    assert_eq!(t.asset_id, asset);
    // The spot is taken now: the next one steps past it.
    let t2 = ops.place_beside(&tid("t0"), tid("v2"), asset).unwrap().clone();
    assert_eq!(t2.x, t.x + t.w + GAP);
    assert!(ops.0.iter().filter(|o| o.id != t2.id).all(|o| !overlaps(o, &t2)));
    let ids: Vec<TileInput> = ops
        .0
        .iter()
        .map(|t| serde_json::from_value(serde_json::to_value(t).unwrap()).unwrap())
        .collect();
    assert!(check_tiles(&ids).is_ok(), "the result keeps every rule");
}

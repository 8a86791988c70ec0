DROP TABLE need_offers;
